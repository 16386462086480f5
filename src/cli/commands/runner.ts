import type { Command } from "commander";
import { homedir } from "node:os";
import { join } from "node:path";
import { DEFAULTS } from "../../core/defaults.js";
import { SlipwayError } from "../../core/errors.js";
import { runRunner } from "../../runners/runner.js";

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerRunner(program: Command): void {
  program
    .command("runner")
    .summary("Take workflow jobs from a server started with --runners queue, on this host")
    .description(
      "Take workflow jobs whose runs-on labels this host has from a control plane started with " +
        "`--runners queue` (PostgreSQL), one at a time: run each here, stream its logs back, upload " +
        "its artifacts and cache entries, and report its result (docs/scaling.md)",
    )
    .requiredOption("--server <url>", "the control plane's URL, e.g. http://ci.internal:7070")
    .option("--token <token>", "a runner token (slipway token create NAME --scope runner); or SLIPWAY_RUNNER_TOKEN")
    .option("--label <label>", "a label this runner has besides self-hosted, linux, x64, ubuntu-* (repeatable)", collect, [])
    .option("--work-dir <dir>", "where checkouts and jobs live", join(homedir(), ".slipway-runner"))
    .action(async (options: { server: string; token?: string; label: string[]; workDir: string }) => {
      const token = options.token ?? process.env.SLIPWAY_RUNNER_TOKEN;
      if (!token) {
        throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", "--token (or SLIPWAY_RUNNER_TOKEN) is required");
      }
      let url: URL;
      try {
        url = new URL(options.server);
      } catch {
        throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `--server: not a URL: "${options.server}"`);
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `--server: expected http(s)://, got "${options.server}"`);
      }
      const stop = new AbortController();
      process.once("SIGINT", () => stop.abort());
      process.once("SIGTERM", () => stop.abort());
      await runRunner({
        server: url.toString(),
        token,
        labels: [...DEFAULTS.hostLabels, ...options.label],
        workDir: options.workDir,
        signal: stop.signal,
        say: (line) => process.stdout.write(`${line}\n`),
      });
    });
}
