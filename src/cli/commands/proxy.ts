import type { Command } from "commander";
import { DEFAULTS } from "../../core/defaults.js";
import { SlipwayError } from "../../core/errors.js";
import { runProxyProcess } from "../../traffic/builtin/process.js";
import { runHaproxyProcess } from "../../traffic/haproxy/process.js";
import { parseDataPlane } from "../data-plane-option.js";

export function registerProxy(program: Command): void {
  program
    .command("proxy")
    .description("Run the traffic router (data plane) with its authenticated admin API; runs until SIGTERM")
    .option("--listen <host:port>", "traffic listener", DEFAULTS.proxyListen)
    .option(
      "--admin <host:port|socket>",
      "admin API listener: HOST:PORT (a non-loopback address needs a token of 32+ characters), or a unix socket path",
      DEFAULTS.proxyAdmin,
    )
    .option(
      "--state-dir <dir>",
      "where the route table, admin token and proxy.json live",
      DEFAULTS.proxyStateDir,
    )
    .option(
      "--workers <n>",
      "worker processes routing traffic (builtin: node:cluster; haproxy: threads)",
      String(DEFAULTS.proxyWorkers),
    )
    .option("--data-plane <kind>", "what carries the traffic: builtin or haproxy", "builtin")
    .option(
      "--assets-dir <dir>",
      "published asset bundles served under /assets/ (default: <state-dir>/../assets)",
    )
    .action(
      async (options: {
        listen: string;
        admin: string;
        stateDir: string;
        workers: string;
        dataPlane: string;
        assetsDir?: string;
      }) => {
        const dataPlane = parseDataPlane(options.dataPlane);
        const workers = Number(options.workers);
        if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
          throw new SlipwayError(
            "SLIPWAY_INVALID_ARGUMENT",
            `--workers must be an integer from 1 to 64, got "${options.workers}"`,
          );
        }
        if (dataPlane === "haproxy") {
          await runHaproxyProcess({
            listen: options.listen,
            admin: options.admin,
            stateDir: options.stateDir,
            threads: workers,
            ...(options.assetsDir ? { assetsDir: options.assetsDir } : {}),
          });
          return;
        }
        await runProxyProcess({
          listen: options.listen,
          admin: options.admin,
          stateDir: options.stateDir,
          workers,
          ...(options.assetsDir ? { assetsDir: options.assetsDir } : {}),
        });
      },
    );
}
