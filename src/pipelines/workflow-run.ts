import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { setMaxListeners } from "node:events";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULTS } from "../core/defaults.js";
import { processExists } from "../proc.js";
import { selectWithNeeds } from "../core/workflow/graph.js";
import { Masker } from "../core/workflow/masker.js";
import { aggregateConclusion } from "../core/workflow/status.js";
import type { BuiltinAction } from "./actions/contract.js";
import { concurrencySetting, processConcurrency } from "./concurrency.js";
import type { Contexts } from "./expressions.js";
import { githubContext } from "./github-context.js";
import { inProcessDispatch } from "./job-dispatch.js";
import { runJobGroup, type JobGroupState } from "./job-group.js";
import { scheduleJobs } from "./job-scheduler.js";
import { staticJobName, type LoadedJob, type LoadedWorkflow } from "./load.js";
import type { JobResult, RunResult } from "../core/workflow/model.js";
import { SlipwayError } from "../core/errors.js";
import type { RunOptions } from "./run-options.js";
import type { RunScope } from "./run-scope.js";
import { RemoteActions } from "./remote-actions.js";
import { killRunProcesses } from "./runs/tracked-processes.js";
import { Semaphore } from "./semaphore.js";
import { pipelineSettings } from "./settings.js";
import type { TriggerInfo } from "./trigger.js";
import { workflowInputs } from "./workflow-inputs.js";
import { WorktreePool } from "./worktree-pool.js";

/**
 * Runs one workflow the event triggered: records the run, builds its contexts, takes its
 * concurrency group, runs its jobs as their needs allow, and returns (and records) the result.
 */
export async function runWorkflow(
  workflow: LoadedWorkflow,
  trigger: TriggerInfo,
  options: RunOptions & { findAction: (uses: string) => BuiltinAction | undefined },
  repoRoot: string,
): Promise<RunResult> {
  const resume = options.resume;
  const started = resume ? Date.parse(resume.startedAt) : Date.now();
  const startedAt = new Date(started).toISOString();
  if (resume && resume.sha !== trigger.sha)
    throw new SlipwayError(
      "SLIPWAY_CONFLICT",
      `run ${resume.runId} cannot carry on: it ran ${resume.sha}, the ref is now at ${trigger.sha}`,
    );
  const emit = options.onEvent ?? (() => undefined);
  const eventName = trigger.event.name;

  // Inputs first: a missing required input is invalid input, reported before anything runs.
  const inputs = workflowInputs(workflow, eventName, trigger.payload, options.inputs);

  const masker = new Masker();
  const secrets = options.secrets ?? {};
  for (const value of Object.values(secrets)) masker.add(value);
  const { repository } = trigger;
  const history = options.history;
  const ids = resume ??
    (await history?.startRun({
      workflow: workflow.name,
      workflowFile: workflow.file,
      event: eventName,
      ref: trigger.ref,
      sha: trigger.sha,
      startedAt,
    })) ?? { runId: String(started), runNumber: 1 };
  const { runId } = ids;
  emit({
    type: "run-started",
    runId,
    workflow: workflow.name,
    file: workflow.file,
    event: eventName,
    jobs: workflow.jobs.map((job) => ({ id: job.id, name: staticJobName(job), needs: [...job.needs] })),
  });

  const runDir = mkdtempSync(join(tmpdir(), `slipway-run-${runId}-`));

  const eventPath = join(runDir, "event.json");
  const github = githubContext({
    repository,
    workflow,
    trigger,
    inputs,
    runId,
    runNumber: ids.runNumber,
  });
  // github.token is secrets.GITHUB_TOKEN, as on GitHub; GitHub mints one per job, Slipway has
  // no GitHub behind it, so it is the GITHUB_TOKEN secret the user gave, else empty (see docs).
  github.token = secrets.GITHUB_TOKEN ?? "";
  writeFileSync(eventPath, JSON.stringify(github.event, null, 2));
  const hostEnv = Object.fromEntries(
    Object.entries(options.hostEnv ?? process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined &&
        !entry[0].startsWith("SLIPWAY_SECRET_") &&
        entry[0] !== "SLIPWAY_ACTIONS_TOKEN",
    ),
  );
  const settings = options.settings ?? pipelineSettings(options.hostEnv ?? process.env);
  const scratchDir = makeScratchDir(settings.scratchRoot, runId);
  if (settings.actionsToken) masker.add(settings.actionsToken);
  const dataDir = options.dataDir ?? join(repoRoot, DEFAULTS.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const cleanUps: Promise<void>[] = [];
  const scope: RunScope = {
    runId,
    runNumber: ids.runNumber,
    repoRoot,
    workflow,
    runDir,
    scratchDir,
    dataDir,
    github,
    eventPath,
    baseSha: trigger.baseSha,
    inputs,
    vars: options.vars ?? {},
    secrets,
    masker,
    hostEnv,
    findAction: options.findAction,
    settings,
    remoteActions: new RemoteActions({
      serverUrl: settings.actionsServerUrl,
      cacheDir: settings.cacheDir,
      token: settings.actionsToken,
    }),
    emit,
    storeLogs: async (key, jobId, lines) => {
      await history?.appendLogs(runId, key, jobId, lines);
    },
    keepWorkspaces: options.keepWorkspaces ?? false,
    // --reuse-worktrees: finished runs leave their worktrees for the next run of the repository
    // (worktree-pool.ts), beside the run directories, so taking one is a rename.
    worktrees: new WorktreePool(
      repoRoot,
      join(runDir, "worktrees"),
      options.reuseWorktrees ? sharedWorktrees(repoRoot) : undefined,
    ),
    // A clean-up that fails leaves files the run directory's removal below retries.
    cleanUp: (task) => void cleanUps.push(task().catch(() => undefined)),
  };

  const runController = new AbortController();
  // Every running job listens to it (a 12-job matrix is not a leak).
  setMaxListeners(0, runController.signal);
  const onAbort = (): void => runController.abort();
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });

  const concurrency = options.concurrency ?? processConcurrency;
  let releaseWorkflowGroup: (() => void) | undefined;
  const workflowConcurrency = concurrencySetting(
    workflow.template.concurrency,
    { github, inputs, vars: scope.vars },
    workflow.file,
  );
  let displaced = false;
  if (workflowConcurrency) {
    releaseWorkflowGroup = await concurrency.acquire(
      workflowConcurrency.group,
      workflowConcurrency.cancelInProgress,
      () => {
        displaced = true;
        runController.abort();
      },
    );
  }

  const jobs = selectJobs(workflow.jobs, options.job);
  // Jobs that run here find their worktrees checked out, or on the way (jobs on runners check out there).
  if (options.dispatch === undefined) {
    const checkingOut = jobs.filter(checksOut);
    await scope.worktrees.prepare(trigger.sha, {
      first: checkingOut.filter((job) => job.needs.length === 0).length,
      later: checkingOut.filter((job) => job.needs.length > 0).length,
    });
  }
  const groups = new Map<string, JobGroupState>();
  const dispatch = options.dispatch ?? inProcessDispatch;
  // On this host, at most a job per core; runners behind a queue each take one job at a time,
  // so the number of runners bounds the parallelism there.
  const semaphore = new Semaphore(
    Math.max(1, options.maxParallel ?? (dispatch.local ? cpus().length : REMOTE_PARALLEL)),
  );
  const baseContexts: Contexts = { github, inputs, vars: scope.vars, secrets };

  try {
    if (!displaced) {
      await scheduleJobs(jobs, async (job) => {
        const restored = restoredGroup(job, resume?.finished);
        if (restored) {
          for (const result of restored.results) emit({ type: "job-finished", key: result.key, result });
          groups.set(job.id, restored);
          return;
        }
        const state = await runJobGroup(job, {
          scope,
          jobs,
          groups,
          semaphore,
          baseContexts,
          runSignal: runController.signal,
          labels: [...DEFAULTS.hostLabels, ...(options.labels ?? [])],
          concurrency,
          dispatch,
          ...(options.environmentGate ? { environmentGate: options.environmentGate } : {}),
        });
        groups.set(job.id, state);
      });
    }
  } finally {
    releaseWorkflowGroup?.();
    options.signal?.removeEventListener("abort", onAbort);
    // What left its step's process group (a setsid daemon) ends with the run, as on GitHub: looked
    // for while the jobs' clean-ups, already under way, wait for their files and git.
    killRunProcesses(runId);
    await Promise.all(cleanUps);
    await scope.worktrees.close();
    rmSync(runDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    if (scratchDir) rmSync(scratchDir, { recursive: true, force: true });
  }

  const jobResults = jobs.flatMap((job) => groups.get(job.id)?.results ?? []);
  const result: RunResult = {
    runId,
    workflow: workflow.name,
    workflowFile: workflow.file,
    event: eventName,
    ref: trigger.ref,
    sha: trigger.sha,
    conclusion: aggregateConclusion(
      jobResults.map((job) => job.conclusion),
      runController.signal.aborted,
    ),
    durationMs: Date.now() - started,
    startedAt,
    jobs: jobResults,
    ...(displaced
      ? { reason: `cancelled by a newer run in concurrency group ${workflowConcurrency?.group}` }
      : {}),
  };
  await history?.finishRun(result);
  emit({ type: "run-finished", result });
  return result;
}

/** Jobs of one run in a queue at once (a bound on memory, not on the runners' work). */
const REMOTE_PARALLEL = 256;

/**
 * The run's scratch folder below `root` (settings.scratchRoot); none when it cannot be made there.
 * Its name carries the process id, so that the first run of a later process removes what a killed
 * one left behind there (on tmpfs it would hold memory until the next reboot).
 */
export function makeScratchDir(root: string | undefined, runId: string): string | undefined {
  if (root === undefined) return undefined;
  if (!swept.has(root)) {
    swept.add(root);
    removeAbandonedScratch(root);
  }
  try {
    return mkdtempSync(join(root, `slipway-run-${runId}-p${process.pid}-`));
  } catch {
    return undefined;
  }
}

/** Scratch roots this process has already swept. */
const swept = new Set<string>();

/** Removes this user's scratch folders below `root` whose process is gone. */
export function removeAbandonedScratch(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    const pid = /^slipway-run-.+-p(\d+)-[^-]+$/.exec(name)?.[1];
    if (pid === undefined || processExists(Number(pid))) continue;
    const dir = join(root, name);
    try {
      if (uid !== undefined && statSync(dir).uid !== uid) continue;
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Another process got there first, or it is not ours to remove.
    }
  }
}

/** The result of a workflow whose `on:` did not match the event. */
export function skippedRun(workflow: LoadedWorkflow, trigger: TriggerInfo, reason: string): RunResult {
  return {
    runId: "",
    workflow: workflow.name,
    workflowFile: workflow.file,
    event: trigger.event.name,
    ref: trigger.ref,
    sha: trigger.sha,
    conclusion: "skipped",
    durationMs: 0,
    startedAt: new Date().toISOString(),
    jobs: [],
    reason,
  };
}

/** `--job`: only that job and what it needs. */
function selectJobs(jobs: LoadedJob[], only: string | undefined): LoadedJob[] {
  if (only === undefined) return jobs;
  const keep = selectWithNeeds(jobs, only);
  return jobs.filter((job) => keep.has(job.id));
}

/** A job that had finished before the run was resumed: its results, as `needs` sees them. */
function restoredGroup(
  job: LoadedJob,
  finished: readonly JobResult[] | undefined,
): JobGroupState | undefined {
  const results = (finished ?? []).filter((result) => result.id === job.id && !result.key.includes(" / "));
  if (results.length === 0) return undefined;
  return {
    results,
    conclusion: aggregateConclusion(
      results.map((result) => result.conclusion),
      false,
    ),
    // Like GitHub, a matrix job's outputs are those of the last combination that set them.
    outputs: Object.assign({}, ...results.map((result) => result.outputs)) as Record<string, string>,
  };
}

/** The job checks the run's repository out into its workspace (what a prepared worktree serves). */
function checksOut(job: LoadedJob): boolean {
  return job.steps.some((step) => step.uses?.startsWith("actions/checkout@") === true);
}

/** The host-wide folder of a repository's worktrees kept between runs (see WorktreePool). */
function sharedWorktrees(repoRoot: string): string {
  const key = createHash("sha256").update(repoRoot).digest("hex").slice(0, 16);
  return join(tmpdir(), "slipway-worktrees", key);
}
