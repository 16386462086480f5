import type { Command } from "commander";
import { DEFAULTS } from "../../core/defaults.js";
import { serve } from "../../server/serve.js";
import { projectDirFor } from "../project.js";
import { DATABASE_HELP, stateUrl } from "../state.js";
import { parsePort, waitForShutdown } from "./up.js";

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
    .action(async (options: { dir?: string; port: string; database?: string; secureCookies?: boolean }) => {
      const database = stateUrl(options.database, "");
      const server = await serve({
        dir: projectDirFor(options.dir),
        ...(database ? { database } : {}),
        port: parsePort(options.port, "--port"),
        ...(options.secureCookies ? { secureCookies: true } : {}),
      });
      process.stdout.write(
        `slipway server: API ${server.apiUrl}, traffic ${server.proxyUrl}, admin token ${server.adminTokenFile}\n`,
      );
      await waitForShutdown();
      await server.close();
    });
}
