import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { DEFAULTS } from "../../core/defaults.js";
import { SlipwayError } from "../../core/errors.js";
import { repositoryRoot } from "../../pipelines/git.js";
import { runDocument, type RunResult } from "../../core/workflow/model.js";
import { plainReporter, treeReporter } from "../../pipelines/reporters.js";
import { readEventFile } from "../../pipelines/event-file.js";
import { collectSecrets, parseDotenv, splitPair } from "../../pipelines/secrets.js";
import { DATABASE_HELP, stateUrl } from "../state.js";
import { formatDuration, isInteractive, printJson, style } from "../output.js";

interface RunFlags {
  workflow?: string;
  event: string;
  eventFile?: string;
  ref?: string;
  base?: string;
  job?: string;
  input: string[];
  secret: string[];
  secretsFile?: string;
  var: string[];
  varsFile?: string;
  label: string[];
  maxParallel?: string;
  dir: string;
  db?: string;
  database?: string;
  json?: boolean;
  keepWorkspaces?: boolean;
  reuseWorktrees?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * The history database: --database (or its older name --db), then SLIPWAY_DATABASE (or
 * SLIPWAY_DB), then .slipway/slipway.db under the repository. A postgres:// URL or a file path.
 */
export function databasePath(dir: string, flag: string | undefined): string {
  return stateUrl(
    flag ?? process.env.SLIPWAY_DATABASE ?? process.env.SLIPWAY_DB,
    join(repositoryRoot(resolve(dir)), DEFAULTS.dataDir, DEFAULTS.databaseFile),
  );
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("Run the repository's GitHub Actions workflows on this host and record the run")
    .option("-W, --workflow <file>", "one workflow file (default: every .github/workflows/*.yml|yaml)")
    .option("--event <name>", "push | pull_request | workflow_dispatch | schedule | workflow_call", "push")
    .option(
      "--event-file <file>",
      "event payload as JSON, as GitHub delivers it (fills github.event, inputs…)",
    )
    .option("--ref <ref>", "branch, tag or commit to run (default: HEAD)")
    .option(
      "--base <rev>",
      "revision to diff against for paths filters (default: parent for push, merge base for pull_request)",
    )
    .option("--job <id>", "run only this job and the jobs it needs")
    .option("--input <name=value>", "workflow_dispatch / workflow_call input (repeatable)", collect, [])
    .option("--secret <name=value>", "secret (repeatable); also SLIPWAY_SECRET_<NAME> variables", collect, [])
    .option("--secrets-file <file>", "dotenv file of secrets")
    .option("--var <name=value>", "configuration variable for the vars context (repeatable)", collect, [])
    .option("--vars-file <file>", "dotenv file of configuration variables")
    .option("--label <label>", "extra runner label this host answers to (repeatable)", collect, [])
    .option("--max-parallel <n>", "jobs running at once (default: CPU count)")
    .option("--dir <path>", "repository directory", ".")
    .option("--database <url>", DATABASE_HELP)
    .option("--db <file>", "older name of --database (also SLIPWAY_DB)")
    .option("--keep-workspaces", "keep each job's worktree after the run, for debugging")
    .option(
      "--reuse-worktrees",
      "keep up to 4 clean worktrees for the next runs, as a self-hosted runner keeps its workspace (also SLIPWAY_REUSE_WORKTREES=1)",
    )
    .option("--json", "print one JSON document at the end")
    .action(async (flags: RunFlags) => {
      process.exitCode = await runCommand(flags);
    });
}

async function runCommand(flags: RunFlags): Promise<number> {
  const maxParallel = flags.maxParallel === undefined ? undefined : Number(flags.maxParallel);
  if (maxParallel !== undefined && (!Number.isInteger(maxParallel) || maxParallel < 1)) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `--max-parallel expects a positive integer, got ${flags.maxParallel}`,
    );
  }
  const inputs = Object.fromEntries(flags.input.map((pair) => splitPair(pair, "--input")));
  const vars = {
    ...(flags.varsFile ? parseDotenv(readText(flags.varsFile, "--vars-file"), flags.varsFile) : {}),
    ...Object.fromEntries(flags.var.map((pair) => splitPair(pair, "--var"))),
  };
  const secrets = collectSecrets({ env: process.env, file: flags.secretsFile, flags: flags.secret });
  const eventPayload = flags.eventFile ? readEventFile(flags.eventFile) : undefined;
  // The engine and the database drivers load when a run starts, not for `slipway run --help`.
  const [{ openStore }, { runWorkflows }, { recordRunOwner, sweepAbandonedRuns }] = await Promise.all([
    import("../../store/index.js"),
    import("../../pipelines/run.js"),
    import("../../pipelines/runs/run-owner.js"),
  ]);
  const store = await openStore(databasePath(flags.dir, flags.database ?? flags.db));
  const history = store.runs;
  const dataDir = join(repositoryRoot(resolve(flags.dir)), DEFAULTS.dataDir);
  // Runs of an earlier `slipway run` that was killed are "running" no more.
  await sweepAbandonedRuns(dataDir, history);
  const releaseOwners: (() => void)[] = [];

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write("\nslipway: cancelling (Ctrl-C again to quit at once)…\n");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);

  const sink = {
    out: (text: string) => process.stdout.write(text),
    err: (text: string) => process.stderr.write(text),
  };
  const live =
    !flags.json && isInteractive()
      ? treeReporter(sink, style, formatDuration, () => process.stdout.columns || 80)
      : undefined;
  const plain = !flags.json && !live ? plainReporter(sink, style, formatDuration) : undefined;
  let results: RunResult[];
  try {
    results = await runWorkflows({
      dir: flags.dir,
      ...(flags.workflow !== undefined ? { workflowFile: flags.workflow } : {}),
      event: flags.event,
      ...(eventPayload ? { eventPayload } : {}),
      ...(flags.ref !== undefined ? { ref: flags.ref } : {}),
      ...(flags.base !== undefined ? { base: flags.base } : {}),
      ...(flags.job !== undefined ? { job: flags.job } : {}),
      inputs,
      secrets,
      vars,
      labels: flags.label,
      ...(maxParallel !== undefined ? { maxParallel } : {}),
      dataDir,
      history,
      signal: controller.signal,
      keepWorkspaces: flags.keepWorkspaces ?? false,
      reuseWorktrees: flags.reuseWorktrees ?? process.env.SLIPWAY_REUSE_WORKTREES === "1",
      onEvent: (event) => {
        if (event.type === "run-started") releaseOwners.push(recordRunOwner(dataDir, event.runId));
        if (live) live.onEvent(event);
        else if (plain) plain(event);
        else if (event.type === "warning") process.stderr.write(`warning: ${event.message}\n`);
      },
    });
  } finally {
    for (const release of releaseOwners) release();
    live?.stop();
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
    await store.close();
  }
  if (flags.json) {
    const documents = results.map(runDocument);
    printJson(documents.length === 1 ? documents[0] : documents);
  } else {
    for (const result of results) {
      if (result.conclusion === "skipped" && result.jobs.length === 0) {
        process.stdout.write(
          `${style.dim(`- ${result.workflow} (${result.workflowFile}) skipped: ${result.reason ?? ""}`)}\n`,
        );
      }
    }
  }
  const failed = results.some(
    (result) => result.conclusion === "failure" || result.conclusion === "cancelled",
  );
  return failed ? 1 : 0;
}

function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `${flag} ${path}: ${(error as Error).message}`);
  }
}
