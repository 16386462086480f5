import type { Command } from "commander";
import { DEFAULTS } from "../../core/defaults.js";
import { serve } from "../../server/serve.js";
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
    .action(
      async (options: {
        dir?: string;
        port: string;
        database?: string;
        secureCookies?: boolean;
        dataPlane?: string;
      }) => {
        const database = stateUrl(options.database, "");
        const server = await serve({
          dir: projectDirFor(options.dir),
          ...(database ? { database } : {}),
          ...(options.dataPlane !== undefined ? { dataPlane: parseDataPlane(options.dataPlane) } : {}),
          port: parsePort(options.port, "--port"),
          ...(options.secureCookies ? { secureCookies: true } : {}),
        });
        process.stdout.write(
          `slipway server: API ${server.apiUrl}, traffic ${server.proxyUrl} (${server.dataPlane}), admin token ${server.adminTokenFile}\n`,
        );
        await waitForShutdown();
        await server.close();
      },
    );
}
