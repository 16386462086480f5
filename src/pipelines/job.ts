import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync } from "node:fs";
import { mkdir, mkdtemp, rm, rmdir } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Conclusion } from "../core/workflow/status.js";
import { evaluateToken, toExpressionString, type Contexts, type ExtraFunctions } from "./expressions.js";
import { numberValue, stringMap, truthyValue } from "./expression-values.js";
import { hashFiles } from "./hash-files.js";
import { prepareJobHome } from "./job-home.js";
import { jobStatus, type EvaluateToken, type JobState } from "./job-state.js";
import type { JobResult, LogLevel, LogLine } from "../core/workflow/model.js";
import { signalGroup } from "./process.js";
import type { JobInstance, RunScope } from "./run-scope.js";
import { runnerContext } from "./step-environment.js";
import { runStep } from "./step.js";

const TIMEOUT_REASON = "timeout";
/** How long a log line waits at most before it is stored while its step still runs. */
const LIVE_LOG_FLUSH_MS = 1000;

/**
 * Runs one job (or matrix combination) on the host. Its workspace starts as an empty directory, as
 * on GitHub; `actions/checkout` makes it a git worktree of the run's commit (see checkout.ts).
 */
export async function runJob(scope: RunScope, instance: JobInstance): Promise<JobResult> {
  const started = Date.now();
  const { job } = instance;
  const safeKey = instance.key.replace(/[^A-Za-z0-9_.-]+/g, "_").slice(0, 80);
  // Unique per job even when two reusable-workflow calls run jobs with the same key; the
  // workspace's last path part names its git worktree, so it is unique too.
  // On disk, off the event loop: a busy disk makes each of these wait for milliseconds.
  const jobDir = await mkdtemp(join(scope.runDir, `${safeKey}-`));
  const workspace = join(jobDir, `workspace-${basename(jobDir).slice(safeKey.length + 1)}`);
  await mkdir(workspace);
  // The job's own folders (RUNNER_TEMP, HOME, the steps' command files and scripts, the summary)
  // go to the run's scratch folder on tmpfs when there is one: creating a folder or a file costs
  // about 1 ms of system time on some disks, 7 µs on tmpfs, and a trivial job makes a dozen.
  // Only the workspace, which a checkout fills, stays on disk.
  // RUNNER_TEMP and HOME only when the scratch filesystem has room for what jobs download there
  // (a container's /dev/shm is 64 MiB); the command files and scripts are tiny, they always go.
  const own = scope.scratchDir ? mkdtempSync(join(scope.scratchDir, `${safeKey}-`)) : undefined;
  const folders = own !== undefined && hasRoom(own) ? own : jobDir;
  const temp = join(folders, "temp");
  mkdirSync(temp);
  const scratch = own ?? temp;
  const summaryFile = join(own ?? jobDir, "summary.md");
  const homeEnv = prepareJobHome(folders, scope.hostEnv, scope.settings.jobHome);
  const logLines: LogLine[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  // Batches are stored one after the other, so lines keep their order whatever the store does;
  // a batch that failed to store fails every later flush, the step's own included.
  let flushing: Promise<void> = Promise.resolve();
  const flushLogs = (): Promise<void> => {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (logLines.length === 0) return flushing;
    const batch = logLines.splice(0, logLines.length);
    flushing = flushing.then(() => scope.storeLogs(instance.key, job.id, batch));
    return flushing;
  };

  scope.emit({ type: "job-started", key: instance.key, name: instance.name });
  const jobController = new AbortController();
  const cancelJob = (): void => jobController.abort("cancelled");
  if (instance.signal.aborted) cancelJob();
  else instance.signal.addEventListener("abort", cancelJob, { once: true });

  const githubForJob = { ...scope.github, job: job.id, workspace, action: "" };
  const extra: ExtraFunctions = { hashFiles: (patterns) => hashFiles(workspace, patterns) };
  const file = scope.workflow.file;
  const evaluate: EvaluateToken = (token, contexts) => evaluateToken(token, contexts, extra, file);
  const state: JobState = {
    scope,
    instance,
    jobDir,
    workspace,
    temp,
    scratch,
    summaryFile,
    homeEnv,
    signal: jobController.signal,
    baseContexts: {},
    extra,
    evaluate,
    currentStep: "Set up job",
    log: (text: string, level: LogLevel = "info"): void => {
      const line: LogLine = { step: state.currentStep, text: scope.masker.mask(text), level, at: Date.now() };
      logLines.push(line);
      scope.emit({ type: "log", key: instance.key, line });
      // A long step's output is stored as it comes, not only when the step ends, so whoever
      // follows the run (the dashboard, `slipway logs`) sees it while it runs.
      if (!flushTimer) {
        flushTimer = setTimeout(() => void flushLogs().catch(() => undefined), LIVE_LOG_FLUSH_MS);
        flushTimer.unref();
      }
    },
    flushLogs: () => flushLogs(),
    jobEnv: {},
    addedEnv: Object.create(null) as Record<string, string>,
    addedPath: [],
    defaults: {},
    state: new Map<string, string>(),
    groups: new Set<number>(),
    steps: [],
    stepsContext: Object.create(null) as JobState["stepsContext"],
    postQueue: [],
  };
  const { log, steps } = state;
  const baseContexts: Contexts = {
    github: githubForJob,
    inputs: scope.inputs,
    vars: scope.vars,
    secrets: scope.secrets,
    matrix: instance.matrix ?? {},
    needs: instance.needs,
    strategy: instance.strategy,
    runner: runnerContext(temp, jobDir, scope.settings.toolCache),
    job: { status: "success" },
    steps: state.stepsContext,
  };
  state.baseContexts = baseContexts;

  let outputs = Object.create(null) as Record<string, string>;
  let failedBeforeSteps: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let continueOnError = false;
  try {
    const workflowEnv = stringMap(evaluate(scope.workflow.env, baseContexts));
    state.jobEnv = {
      ...workflowEnv,
      ...stringMap(evaluate(job.job.env, { ...baseContexts, env: workflowEnv })),
    };
    continueOnError = truthyValue(evaluate(job.continueOnError, baseContexts));
    const timeoutMinutes = numberValue(evaluate(job.timeoutMinutes, baseContexts));
    if (timeoutMinutes !== undefined) {
      timer = setTimeout(() => jobController.abort(TIMEOUT_REASON), timeoutMinutes * 60_000);
    }
  } catch (error) {
    failedBeforeSteps = (error as Error).message;
    log(`Error: ${failedBeforeSteps}`, "error");
  }

  state.defaults = {
    ...runDefaults(evaluate, scope.workflow.defaults, baseContexts),
    ...runDefaults(evaluate, job.defaults, baseContexts),
  };

  for (const [index, loaded] of failedBeforeSteps === undefined ? job.steps.entries() : []) {
    await runStep(state, loaded, index);
  }

  // Post steps of actions run last, in reverse order, with the job's status (GitHub's order).
  const wasCancelled = jobController.signal.aborted && jobController.signal.reason !== TIMEOUT_REASON;
  const timedOut = jobController.signal.reason === TIMEOUT_REASON;
  const statusSoFar: "success" | "failure" | "cancelled" =
    failedBeforeSteps !== undefined || timedOut ? "failure" : wasCancelled ? "cancelled" : jobStatus(steps);
  // Each is a step of its own ("Post <name>"); a failing one fails the job, as on GitHub.
  let postFailed = false;
  for (const post of state.postQueue.reverse()) {
    const name = `Post ${post.name}`;
    const index = steps.length;
    const postStarted = Date.now();
    state.currentStep = name;
    scope.emit({ type: "step-started", key: instance.key, step: name, index });
    let outcome: Conclusion = "success";
    try {
      await post.action.post?.(post.context, { status: statusSoFar });
    } catch (error) {
      log(`Error: ${name}: ${(error as Error).message}`, "error");
      outcome = "failure";
      postFailed = true;
    }
    const result = {
      name,
      outcome,
      conclusion: outcome,
      durationMs: Date.now() - postStarted,
      startedAt: new Date(postStarted).toISOString(),
    };
    steps.push(result);
    scope.emit({ type: "step-finished", key: instance.key, step: name, index, result });
  }

  state.currentStep = "Complete job";
  if (timedOut) log(`Error: the job exceeded its timeout-minutes and was stopped`, "error");
  try {
    const outputValues = evaluate(job.job.outputs, {
      ...baseContexts,
      env: { ...state.jobEnv, ...state.addedEnv },
      job: { status: statusSoFar },
    });
    outputs = stringMap(outputValues);
  } catch (error) {
    log(`Error: job outputs: ${(error as Error).message}`, "error");
  }
  if (timer) clearTimeout(timer);
  instance.signal.removeEventListener("abort", cancelJob);
  for (const pgid of state.groups) signalGroup(pgid, "SIGKILL");
  await state.flushLogs();
  await storeSummary(scope, instance, summaryFile);
  if (!scope.keepWorkspaces) {
    scope.cleanUp(async () => {
      // A workspace that a checkout made a worktree goes back to the run's pool (or is removed).
      if (existsSync(join(workspace, ".git"))) await scope.worktrees.release(workspace);
      await removeFolder(jobDir, workspace);
      if (own !== undefined) await removeFolder(own);
    });
  }

  let conclusion: Conclusion = statusSoFar === "success" && postFailed ? "failure" : statusSoFar;
  let reason: string | undefined;
  if (conclusion === "failure" && continueOnError) {
    conclusion = "success";
    reason = "failed, but continue-on-error is set";
  }
  if (timedOut) reason = "timed out";
  if (failedBeforeSteps !== undefined) reason = failedBeforeSteps;
  const result: JobResult = {
    id: job.id,
    key: instance.key,
    name: instance.name,
    matrix: instance.matrix,
    conclusion,
    outputs,
    steps,
    durationMs: Date.now() - started,
    ...(reason !== undefined ? { reason } : {}),
  };
  scope.emit({ type: "job-finished", key: instance.key, result });
  return result;
}

/** Free space a scratch filesystem needs to hold jobs' RUNNER_TEMP and HOME. */
const SCRATCH_ROOM_BYTES = 1024 ** 3;

function hasRoom(dir: string): boolean {
  try {
    const { bavail, bsize } = statfsSync(dir);
    return bavail * bsize >= SCRATCH_ROOM_BYTES;
  } catch {
    return false;
  }
}

/**
 * Removes a finished job's folder. The common cases cost two calls (an empty workspace and its
 * folder on disk: a job that never checked out) or a few synchronous ones (a small tree on
 * tmpfs); anything else, or anything in the way (processes killed at the job's end may still be
 * closing files), goes to the retrying removal.
 */
async function removeFolder(dir: string, emptyChild?: string): Promise<void> {
  try {
    if (emptyChild !== undefined) {
      await rmdir(emptyChild);
      await rmdir(dir);
    } else {
      rmSync(dir, { recursive: true, force: true });
    }
  } catch {
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}

/** `defaults.run` (shell, working-directory) of the workflow or the job. */
function runDefaults(
  evaluate: EvaluateToken,
  token: Parameters<typeof evaluateToken>[0],
  contexts: Contexts,
): { shell?: string; workingDirectory?: string } {
  const value = evaluate(token, contexts) as
    { run?: { shell?: unknown; "working-directory"?: unknown } } | undefined;
  const run = value?.run;
  const result: { shell?: string; workingDirectory?: string } = {};
  if (run?.shell !== undefined) result.shell = toExpressionString(run.shell);
  if (run?.["working-directory"] !== undefined)
    result.workingDirectory = toExpressionString(run["working-directory"]);
  return result;
}

/**
 * Keeps the job's step summary (what its steps wrote to $GITHUB_STEP_SUMMARY, masked) with the
 * run's logs as `summary` lines, so it outlives the job directory.
 */
async function storeSummary(scope: RunScope, instance: JobInstance, path: string): Promise<void> {
  if (!existsSync(path)) return;
  const text = readFileSync(path, "utf8").replace(/\n+$/, "");
  if (text.trim() === "") return;
  const lines = text.split("\n").map((line) => ({
    step: "Summary",
    level: "summary" as const,
    text: scope.masker.mask(line),
  }));
  await scope.storeLogs(instance.key, instance.job.id, lines);
}
