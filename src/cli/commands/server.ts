import type { Command } from "commander";
import { DEFAULTS } from "../../core/defaults.js";
import { serve } from "../../server/serve.js";
import { parseDuration } from "../../core/duration.js";
import { SlipwayError } from "../../core/errors.js";
import { projectDirFor } from "../project.js";
import { DATABASE_HELP, stateUrl } from "../state.js";
import { parsePort, waitForShutdown } from "./up.js";
import { parseDataPlane } from "../data-plane-option.js";

export function registerServer(program: Command): void {
  program
    .command("server")
    .summary("Run the control plane for a project whose proxy is running")
    .description(
      "Run the control plane (API, dashboard, rollout controller) for a project whose proxy is running; " +
        "creates <dir>/.slipway/admin-token on first start",
    )
    .option(
      "--dir <dir>",
      "project directory (holds slipway.yaml; default: found from the current folder upwards)",
    )
    .option("--port <n>", "API port on 127.0.0.1 (0 = any free port)", String(DEFAULTS.serverPort))
    .option("--database <url>", DATABASE_HELP)
    .option(
      "--secure-cookies",
      "mark the dashboard's session cookie Secure (served over https through a TLS proxy)",
    )
    .option(
      "--data-plane <kind>",
      "refuse to start unless the running proxy is this data plane (builtin or haproxy)",
    )
    .option(
      "--ha",
      "run as one of several replicas on one PostgreSQL database: one leader (elected) runs the " +
        "controller and the notifier, every replica serves the API (docs/scaling.md)",
    )
    .option(
      "--runners <where>",
      "where workflow jobs run: process (in the server, the default) or queue (a PostgreSQL job " +
        "queue that `slipway runner`s on any host take from; needs --database postgres://…)",
      "process",
    )
    .option(
      "--host <address>",
      "address the API listens on (default 127.0.0.1; e.g. 0.0.0.0 or a private address for runners on other hosts)",
    )
    .option(
      "--lease <duration>",
      "with --ha: how long the leader's lease lasts unrenewed, the bound on a takeover (e.g. 5s)",
      "5s",
    )
    .action(
      async (options: {
        dir?: string;
        port: string;
        database?: string;
        secureCookies?: boolean;
        dataPlane?: string;
        ha?: boolean;
        lease: string;
        runners: string;
        host?: string;
      }) => {
        if (options.runners !== "process" && options.runners !== "queue") {
          throw new SlipwayError(
            "SLIPWAY_INVALID_ARGUMENT",
            `--runners: expected process or queue, got "${options.runners}"`,
          );
        }
        const database = stateUrl(options.database, "");
        const server = await serve({
          ...(options.ha ? { ha: { leaseMs: parseLease(options.lease) } } : {}),
          dir: projectDirFor(options.dir),
          ...(database ? { database } : {}),
          ...(options.dataPlane !== undefined ? { dataPlane: parseDataPlane(options.dataPlane) } : {}),
          port: parsePort(options.port, "--port"),
          ...(options.host !== undefined ? { host: options.host } : {}),
          ...(options.runners === "queue" ? { runners: "queue" as const } : {}),
          ...(options.secureCookies ? { secureCookies: true } : {}),
        });
        process.stdout.write(
          `slipway server: ${options.ha ? `replica (${server.leads() ? "leader" : "follower"}), ` : ""}API ${server.apiUrl}, traffic ${server.proxyUrl} (${server.dataPlane}), admin token ${server.adminTokenFile}\n`,
        );
        await waitForShutdown();
        await server.close();
      },
    );
}

/** `--lease`: a duration from 2s to 5m (shorter would expire under an ordinary pause). */
function parseLease(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < 2_000 || ms > 300_000) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `--lease: expected a duration from 2s to 5m (e.g. 5s), got "${text}"`,
    );
  }
  return ms;
}
