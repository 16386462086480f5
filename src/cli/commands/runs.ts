import { join, resolve } from "node:path";
import type { Command } from "commander";
import { DEFAULTS } from "../../core/defaults.js";
import { repositoryRoot } from "../../pipelines/git.js";
import { wholeNumber } from "../options.js";
import { formatDuration, printJson, style } from "../output.js";
import { DATABASE_HELP, withStore } from "../state.js";
import { databasePath } from "./run.js";

export function registerRuns(program: Command): void {
  program
    .command("runs")
    .description("List recorded workflow runs, most recent first")
    .option("-n, --limit <n>", "how many runs", wholeNumber(1), 20)
    .option("--dir <path>", "repository directory", ".")
    .option("--database <url>", DATABASE_HELP)
    .option("--db <file>", "older name of --database (also SLIPWAY_DB)")
    .option("--json", "print JSON")
    .action((flags: { limit: number; dir: string; db?: string; database?: string; json?: boolean }) =>
      withStore(databasePath(flags.dir, flags.database ?? flags.db), async (store) => {
        const { sweepAbandonedRuns } = await import("../../pipelines/runs/run-owner.js");
        // A run whose `slipway run` was killed shows as interrupted, not as running for ever.
        await sweepAbandonedRuns(join(repositoryRoot(resolve(flags.dir)), DEFAULTS.dataDir), store.runs);
        const runs = await store.runs.listRuns(flags.limit);
        if (flags.json) {
          printJson(runs);
          return;
        }
        if (runs.length === 0) {
          process.stdout.write("No runs yet. Start one with `slipway run`.\n");
          return;
        }
        for (const run of runs) {
          const conclusion = run.conclusion ?? run.status;
          const colour =
            conclusion === "success" ? style.green : conclusion === "running" ? style.cyan : style.red;
          const took = run.durationMs === null ? "" : formatDuration(run.durationMs);
          process.stdout.write(
            `${run.runId.padStart(5)}  ${colour(conclusion.padEnd(9))}  ${run.workflow} #${run.runNumber}  ${style.dim(`${run.event} ${run.ref.replace(/^refs\/(heads|tags)\//, "")} ${run.sha.slice(0, 7)}  ${run.startedAt}  ${took}`)}\n`,
          );
        }
      }),
    );
}
