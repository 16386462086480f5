import type { Command } from "commander";
import { SlipwayError } from "../../core/errors.js";
import { jobsNamed } from "../../pipelines/runs/run-view.js";
import { printJson, style } from "../output.js";
import { DATABASE_HELP, withStore } from "../state.js";
import { databasePath } from "./run.js";

export function registerLogs(program: Command): void {
  program
    .command("logs")
    .description("Print the stored (masked) logs of a workflow run")
    .argument("<run>", "run id (see slipway runs)")
    .option(
      "--job <id>",
      "only this job: its id (every matrix combination), one combination's key, or its display name",
    )
    .option("--dir <path>", "repository directory", ".")
    .option("--database <url>", DATABASE_HELP)
    .option("--db <file>", "older name of --database (also SLIPWAY_DB)")
    .option("--summary", "print the jobs' step summaries ($GITHUB_STEP_SUMMARY) instead of their output")
    .option("--json", "print JSON lines as one document")
    .action(
      (
        runId: string,
        flags: {
          job?: string;
          dir: string;
          db?: string;
          database?: string;
          json?: boolean;
          summary?: boolean;
        },
      ) =>
        withStore(databasePath(flags.dir, flags.database ?? flags.db), async (store) => {
          const history = store.runs;
          const run = await history.getRun(runId);
          if (!run)
            throw new SlipwayError("SLIPWAY_NOT_FOUND", `run ${runId} does not exist (see slipway runs)`);
          let lines = await history.getLogs(runId, flags.job);
          if (flags.job !== undefined && lines.length === 0) {
            // Not an id or a key: the name shown for the job (`name: Node ${{ matrix.node }}`).
            const keys = new Set(jobsNamed(run.result?.jobs ?? [], flags.job).map((job) => job.key));
            if (keys.size > 0) lines = (await history.getLogs(runId)).filter((line) => keys.has(line.jobKey));
          }
          if (flags.job !== undefined && lines.length === 0 && !flags.summary && !flags.json) {
            // A job that ended before any step (refused services:, skipped by labels…) has no lines,
            // only the reason its result records.
            const stopped = jobsNamed(run.result?.jobs ?? [], flags.job).filter(
              (job) => job.reason !== undefined,
            );
            if (stopped.length > 0) {
              for (const job of stopped)
                process.stdout.write(
                  `${style.bold(`== ${job.key}`)}\n${job.conclusion}: ${job.reason ?? ""}\n`,
                );
              return;
            }
          }
          if (flags.job !== undefined && lines.length === 0) {
            const known = (run.result?.jobs ?? []).map((job) => job.name);
            throw new SlipwayError(
              "SLIPWAY_NOT_FOUND",
              `run ${runId} has no logs for job ${flags.job}${known.length > 0 ? ` (jobs: ${[...new Set(known)].join(", ")})` : ""}`,
            );
          }
          // Step summaries are stored with the logs; they are shown on their own.
          lines = lines.filter((line) => (line.level === "summary") === (flags.summary ?? false));
          if (flags.json) {
            printJson(lines);
            return;
          }
          if (flags.summary) {
            if (lines.length === 0) process.stderr.write(`run ${runId} has no step summary\n`);
            let job = "";
            for (const line of lines) {
              if (line.jobKey !== job) process.stdout.write(`${style.bold(`== ${(job = line.jobKey)}`)}\n`);
              process.stdout.write(`${line.text}\n`);
            }
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
