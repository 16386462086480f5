import type { Command } from "commander";
import { SlipwayError } from "../../core/errors.js";
import { printJson, style } from "../output.js";
import { DATABASE_HELP, withStore } from "../state.js";
import { databasePath } from "./run.js";

export function registerLogs(program: Command): void {
  program
    .command("logs")
    .description("Print the stored (masked) logs of a workflow run")
    .argument("<run>", "run id (see slipway runs)")
    .option("--job <id>", "only this job (a job id prints every matrix combination)")
    .option("--dir <path>", "repository directory", ".")
    .option("--database <url>", DATABASE_HELP)
    .option("--db <file>", "older name of --database (also SLIPWAY_DB)")
    .option("--json", "print JSON lines as one document")
    .action(
      (runId: string, flags: { job?: string; dir: string; db?: string; database?: string; json?: boolean }) =>
        withStore(databasePath(flags.dir, flags.database ?? flags.db), async (store) => {
          const history = store.runs;
          if (!(await history.getRun(runId)))
            throw new SlipwayError("SLIPWAY_NOT_FOUND", `run ${runId} does not exist (see slipway runs)`);
          const lines = await history.getLogs(runId, flags.job);
          if (flags.job !== undefined && lines.length === 0) {
            throw new SlipwayError("SLIPWAY_NOT_FOUND", `run ${runId} has no logs for job ${flags.job}`);
          }
          if (flags.json) {
            printJson(lines);
            return;
          }
          let previous = "";
          for (const line of lines) {
            const heading = `${line.jobKey} / ${line.step}`;
            if (heading !== previous) process.stdout.write(`${style.bold(`== ${heading}`)}\n`);
            previous = heading;
            if (line.level === "endgroup") continue;
            process.stdout.write(`${line.level === "group" ? `▸ ${line.text}` : line.text}\n`);
          }
        }),
    );
}
