import { cpus, tmpdir } from "node:os";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DEFAULTS } from "../core/defaults.js";
import { SlipwayError } from "../core/errors.js";
import { resolveInputs, type InputDeclaration } from "../core/workflow/dispatch-inputs.js";
import { checkGraph, selectWithNeeds, transitiveNeeds } from "../core/workflow/graph.js";
import { Masker } from "../core/workflow/masker.js";
import { describeCombination, expandMatrix } from "../core/workflow/matrix.js";
import { runsOnLabels, unmatchedLabels } from "../core/workflow/runs-on.js";
import { aggregateConclusion, statusFunctions, type Conclusion } from "../core/workflow/status.js";
import { matchTrigger, SUPPORTED_EVENTS, type TriggerEvent } from "../core/workflow/triggers.js";
import type { BuiltinAction } from "./actions/contract.js";
import { findBuiltinAction } from "./actions/builtin/index.js";
import type { ConcurrencyGroups } from "./concurrency.js";
import { processConcurrency } from "./concurrency.js";
import {
  ExpressionFailure,
  evaluateCondition,
  evaluateToken,
  toExpressionString,
  type Contexts,
} from "./expressions.js";
import {
  authorOf,
  changedFiles,
  filesOfCommit,
  mergeBase,
  parentOf,
  repositoryName,
  repositoryRoot,
  resolveCommit,
  resolveRef,
} from "./git.js";
import type { RunHistory } from "../store/ports/run-store.js";
import { runJob, type JobInstance, type RunScope } from "./job.js";
import { discoverWorkflows, loadWorkflow, type LoadedJob, type LoadedWorkflow } from "./load.js";
import type { JobResult, RunEvent, RunResult } from "./model.js";

export interface RunOptions {
  /** Any directory inside the repository (default: cwd). */
  dir?: string;
  /** One workflow file (`-W`); default: every file in .github/workflows. */
  workflowFile?: string;
  event?: string;
  /** The event payload as GitHub delivers it (`--event-file`). */
  eventPayload?: Record<string, unknown>;
  ref?: string;
  /** Revision to diff against for `paths` filters (`--base`). */
  base?: string;
  /** Run only this job and what it needs. */
  job?: string;
  inputs?: Record<string, string>;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** Extra runner labels this host answers to, besides DEFAULTS.hostLabels. */
  labels?: string[];
  /** Jobs running at once (default: CPU count). */
  maxParallel?: number;
  /** Data directory (caches, artifacts); default `<repo>/.slipway`. */
  dataDir?: string;
  history?: RunHistory;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  /** Look up built-in actions (default: the registry); tests inject their own. */
  findAction?: (uses: string) => BuiltinAction | undefined;
  concurrency?: ConcurrencyGroups;
  /** Keep job workspaces after the run (for debugging). */
  keepWorkspaces?: boolean;
  /** Environment passed through to steps (default: process.env). */
  hostEnv?: Record<string, string | undefined>;
  /**
   * Asked before a job with `environment:` runs (the server waits for an approval there); a
   * refusal fails the job with its reason. Absent (slipway run): environments are not gated.
   */
  environmentGate?: JobEnvironmentGate;
}

/** Decides whether job `jobId` of run `runId` may run in `environment`; may wait (honour `signal`). */
export type JobEnvironmentGate = (request: {
  runId: string;
  jobId: string;
  environment: string;
  signal: AbortSignal;
}) => Promise<{ ok: true } | { ok: false; reason: string }>;

/**
 * Runs every workflow of the repository that the event triggers (or the one given) and returns a
 * result per workflow, skipped ones included with their reason. Throws SlipwayError for invalid
 * input (exit 2): a workflow that does not parse, a missing required input, an unknown ref.
 *
 * @example
 * const [result] = await runWorkflows({ dir: "/src/app", event: "push", signal: controller.signal });
 * console.log(result.conclusion);
 */
export async function runWorkflows(options: RunOptions): Promise<RunResult[]> {
  const repoRoot = repositoryRoot(resolve(options.dir ?? process.cwd()));
  const event = options.event ?? "push";
  if (!(SUPPORTED_EVENTS as readonly string[]).includes(event)) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `--event ${event}: expected one of ${SUPPORTED_EVENTS.join(", ")}`,
    );
  }
  const findAction = options.findAction ?? findBuiltinAction;
  const files = options.workflowFile
    ? [resolve(options.dir ?? process.cwd(), options.workflowFile)]
    : discoverWorkflows(repoRoot);
  if (files.length === 0) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `no workflows found in ${join(repoRoot, ".github/workflows")} (or pass -W FILE)`,
    );
  }
  const loaded: LoadedWorkflow[] = [];
  const problems: SlipwayError[] = [];
  for (const file of files) {
    try {
      loaded.push(await loadWorkflow(file, { repoRoot, findAction }));
    } catch (error) {
      if (error instanceof SlipwayError) problems.push(error);
      else throw error;
    }
  }
  if (problems.length > 0) {
    const first = problems[0] as SlipwayError;
    const rest = problems.flatMap((p, i) => [...(i === 0 ? [] : [p.message]), ...(p.details.problems ?? [])]);
    throw new SlipwayError(first.code, first.message, { problems: rest });
  }
  const wanted = options.job;
  if (wanted !== undefined && !loaded.some((workflow) => workflow.jobs.some((job) => job.id === wanted))) {
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `--job ${wanted}: no workflow has a job with that id`);
  }
  const trigger = describeTrigger(repoRoot, event, options);
  const results: RunResult[] = [];
  for (const workflow of loaded) {
    if (options.job !== undefined && !workflow.jobs.some((job) => job.id === options.job)) {
      if (options.workflowFile) {
        throw new SlipwayError(
          "SLIPWAY_INVALID_ARGUMENT",
          `--job ${options.job}: no such job in ${workflow.file} (jobs: ${workflow.jobs.map((j) => j.id).join(", ")})`,
        );
      }
      continue;
    }
    const decision = matchTrigger(workflow.on, trigger.event);
    if (!decision.matched) {
      results.push(skippedRun(workflow, trigger, decision.reason));
      continue;
    }
    if (options.signal?.aborted) break;
    results.push(await runWorkflow(workflow, trigger, { ...options, findAction }, repoRoot));
  }
  return results;
}

interface TriggerInfo {
  event: TriggerEvent;
  sha: string;
  ref: string;
  baseSha: string | undefined;
  payload: Record<string, unknown>;
  headRef: string;
  baseRef: string;
}

function describeTrigger(repoRoot: string, eventName: string, options: RunOptions): TriggerInfo {
  const payload = options.eventPayload ?? {};
  const pr = payload.pull_request as
    { head?: { ref?: string }; base?: { ref?: string; sha?: string }; number?: number } | undefined;
  const refFromPayload = eventName === "push" && typeof payload.ref === "string" ? payload.ref : undefined;
  const resolved = resolveRef(repoRoot, options.ref ?? refFromPayload);
  let baseSha: string | undefined;
  let headRef = "";
  let baseRef = "";
  let ref = resolved.ref;
  if (eventName === "pull_request") {
    headRef = pr?.head?.ref ?? resolved.ref.replace(/^refs\/heads\//, "");
    baseRef =
      pr?.base?.ref ?? (options.base && !/^[0-9a-f]{7,40}$/.test(options.base) ? options.base : "main");
    ref = `refs/pull/${pr?.number ?? 1}/merge`;
    const target = options.base ?? pr?.base?.sha ?? baseRef;
    try {
      baseSha = mergeBase(repoRoot, resolveCommit(repoRoot, target), resolved.sha);
    } catch {
      baseSha = undefined;
    }
  } else if (options.base !== undefined) {
    baseSha = resolveCommit(repoRoot, options.base);
  } else if (eventName === "push") {
    const before =
      typeof payload.before === "string" && !/^0+$/.test(payload.before) ? payload.before : undefined;
    baseSha = before ? safeCommit(repoRoot, before) : parentOf(repoRoot, resolved.sha);
  }
  const changed = baseSha
    ? changedFiles(repoRoot, baseSha, resolved.sha)
    : filesOfCommit(repoRoot, resolved.sha);
  const action = typeof payload.action === "string" ? payload.action : undefined;
  return {
    event: {
      name: eventName,
      ref: eventName === "pull_request" ? resolved.ref : ref,
      baseRef,
      ...(action ? { action } : {}),
      changedFiles: changed,
    },
    sha: resolved.sha,
    ref,
    baseSha,
    payload,
    headRef,
    baseRef,
  };
}

function safeCommit(repoRoot: string, rev: string): string | undefined {
  try {
    return resolveCommit(repoRoot, rev);
  } catch {
    return undefined;
  }
}

function skippedRun(workflow: LoadedWorkflow, trigger: TriggerInfo, reason: string): RunResult {
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

interface JobGroupState {
  results: JobResult[];
  conclusion: Conclusion;
  outputs: Record<string, string>;
}

async function runWorkflow(
  workflow: LoadedWorkflow,
  trigger: TriggerInfo,
  options: RunOptions & { findAction: (uses: string) => BuiltinAction | undefined },
  repoRoot: string,
): Promise<RunResult> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const emit = options.onEvent ?? (() => undefined);
  const eventName = trigger.event.name;

  // Inputs first: a missing required input is invalid input, reported before anything runs.
  const declared = inputDeclarations(workflow, eventName);
  const payloadInputs = (trigger.payload.inputs ?? {}) as Record<string, unknown>;
  const given = {
    ...Object.fromEntries(Object.entries(payloadInputs).map(([k, v]) => [k, String(v)])),
    ...options.inputs,
  };
  let inputs: Record<string, unknown> = {};
  if (declared) {
    const resolved = resolveInputs(declared, given);
    if (!resolved.ok) {
      throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `${workflow.file}: ${resolved.problems[0]}`, {
        problems: resolved.problems.slice(1),
      });
    }
    inputs = resolved.inputs;
  }

  const masker = new Masker();
  const secrets = options.secrets ?? {};
  for (const value of Object.values(secrets)) masker.add(value);
  const repository = repositoryName(repoRoot);
  const history = options.history;
  const ids = (await history?.startRun({
    workflow: workflow.name,
    workflowFile: workflow.file,
    event: eventName,
    ref: trigger.ref,
    sha: trigger.sha,
    startedAt,
  })) ?? { runId: String(started), runNumber: 1 };
  const { runId } = ids;
  emit({ type: "run-started", runId, workflow: workflow.name, file: workflow.file, event: eventName });

  const runDir = mkdtempSync(join(tmpdir(), `slipway-run-${runId}-`));
  const eventPath = join(runDir, "event.json");
  const refName = trigger.ref.replace(/^refs\/(heads|tags)\//, "");
  const github: Record<string, unknown> = {
    event_name: eventName,
    event: { ...trigger.payload, ...(eventName === "workflow_dispatch" ? { inputs } : {}) },
    sha: trigger.sha,
    ref: trigger.ref,
    ref_name: eventName === "pull_request" ? trigger.ref.replace(/^refs\//, "") : refName,
    ref_type: trigger.ref.startsWith("refs/tags/") ? "tag" : "branch",
    head_ref: trigger.headRef,
    base_ref: trigger.baseRef,
    repository,
    repository_owner: repository.split("/")[0],
    actor: authorOf(repoRoot, trigger.sha),
    triggering_actor: authorOf(repoRoot, trigger.sha),
    workflow: workflow.name,
    workflow_ref: `${repository}/${workflow.file}@${trigger.ref}`,
    run_id: runId,
    run_number: String(ids.runNumber),
    run_attempt: "1",
    server_url: "https://github.com",
    api_url: "https://api.github.com",
    graphql_url: "https://api.github.com/graphql",
    retention_days: "90",
    token: "",
  };
  writeFileSync(eventPath, JSON.stringify(github.event, null, 2));
  const hostEnv = Object.fromEntries(
    Object.entries(options.hostEnv ?? process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith("SLIPWAY_SECRET_"),
    ),
  );
  const dataDir = options.dataDir ?? join(repoRoot, DEFAULTS.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const scope: RunScope = {
    runId,
    runNumber: ids.runNumber,
    repoRoot,
    workflow,
    runDir,
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
    emit,
    storeLogs: async (key, jobId, lines) => {
      await history?.appendLogs(runId, key, jobId, lines);
    },
    keepWorkspaces: options.keepWorkspaces ?? false,
  };

  const runController = new AbortController();
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
  const groups = new Map<string, JobGroupState>();
  const semaphore = new Semaphore(Math.max(1, options.maxParallel ?? cpus().length));
  const baseContexts: Contexts = { github, inputs, vars: scope.vars, secrets };

  try {
    if (!displaced) {
      await scheduleJobs(jobs, async (job) => {
        const state = await runJobGroup(job, {
          scope,
          jobs,
          groups,
          semaphore,
          baseContexts,
          runSignal: runController.signal,
          labels: [...DEFAULTS.hostLabels, ...(options.labels ?? [])],
          concurrency,
          ...(options.environmentGate ? { environmentGate: options.environmentGate } : {}),
        });
        groups.set(job.id, state);
      });
    }
  } finally {
    releaseWorkflowGroup?.();
    options.signal?.removeEventListener("abort", onAbort);
    rmSync(runDir, { recursive: true, force: true });
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

function inputDeclarations(
  workflow: LoadedWorkflow,
  eventName: string,
): Record<string, InputDeclaration> | undefined {
  if (eventName !== "workflow_dispatch" && eventName !== "workflow_call") return undefined;
  const config = workflow.on[eventName] as { inputs?: Record<string, InputDeclaration> } | undefined;
  return config?.inputs ?? {};
}

function selectJobs(jobs: LoadedJob[], only: string | undefined): LoadedJob[] {
  if (only === undefined) return jobs;
  const keep = selectWithNeeds(jobs, only);
  return jobs.filter((job) => keep.has(job.id));
}

/** Starts each job as soon as everything it needs has finished (a DAG, no stage barriers). */
async function scheduleJobs(jobs: LoadedJob[], start: (job: LoadedJob) => Promise<void>): Promise<void> {
  const problems = checkGraph(jobs);
  if (problems.length > 0)
    throw new SlipwayError("SLIPWAY_INVALID_WORKFLOW", `job graph: ${JSON.stringify(problems)}`);
  const finished = new Set<string>();
  const started = new Set<string>();
  const running = new Map<string, Promise<string>>();
  for (;;) {
    for (const job of jobs) {
      if (started.has(job.id) || !job.needs.every((need) => finished.has(need))) continue;
      started.add(job.id);
      running.set(
        job.id,
        start(job).then(() => job.id),
      );
    }
    if (running.size === 0) return;
    const done = await Promise.race(running.values());
    running.delete(done);
    finished.add(done);
  }
}

interface GroupContext {
  scope: RunScope;
  jobs: LoadedJob[];
  groups: Map<string, JobGroupState>;
  semaphore: Semaphore;
  baseContexts: Contexts;
  runSignal: AbortSignal;
  labels: string[];
  concurrency: ConcurrencyGroups;
  environmentGate?: JobEnvironmentGate;
}

/** Evaluates a job's `if`, strategy and labels, then runs its matrix combinations. */
async function runJobGroup(job: LoadedJob, ctx: GroupContext): Promise<JobGroupState> {
  const { scope } = ctx;
  const file = scope.workflow.file;
  const needs: JobInstance["needs"] = {};
  for (const need of job.needs) {
    const state = ctx.groups.get(need);
    needs[need] = { result: state?.conclusion ?? "skipped", outputs: state?.outputs ?? {} };
  }
  const contexts: Contexts = { ...ctx.baseContexts, needs };
  const skip = (reason: string, conclusion: Conclusion = "skipped"): JobGroupState => {
    const result: JobResult = {
      id: job.id,
      key: job.id,
      name: nameWithoutExpressions(job),
      matrix: null,
      conclusion,
      outputs: {},
      steps: [],
      durationMs: 0,
      reason,
    };
    scope.emit({ type: "job-finished", key: job.id, result });
    return { results: [result], conclusion, outputs: {} };
  };
  if (ctx.runSignal.aborted) return skip("the run was cancelled", "cancelled");

  const transitive = transitiveNeeds(ctx.jobs, job.id).map(
    (id) => ctx.groups.get(id)?.conclusion ?? "skipped",
  );
  let shouldRun: boolean;
  try {
    const status = statusFunctions({ previous: transitive, cancelled: ctx.runSignal.aborted, scope: "job" });
    shouldRun = evaluateCondition(job.job.if.expression, contexts, { status });
  } catch (error) {
    return skip(`${file}: job '${job.id}' if: ${(error as Error).message}`, "failure");
  }
  if (!shouldRun) {
    const failedNeed = job.needs.find((need) => needs[need]?.result !== "success");
    return skip(
      failedNeed
        ? `needs '${failedNeed}' (${needs[failedNeed]?.result})`
        : `if: ${job.job.if.expression} was false`,
    );
  }

  if (job.reusable) return runReusable(job, job.reusable, ctx, contexts, skip);

  const gate = ctx.environmentGate;
  if (gate && job.job.environment) {
    let environment: unknown;
    try {
      environment = evaluateToken(job.job.environment, contexts, {}, file);
    } catch (error) {
      return skip((error as Error).message, "failure");
    }
    const name =
      typeof environment === "object" && environment !== null
        ? (environment as { name?: unknown }).name
        : environment;
    if (typeof name === "string" && name !== "") {
      const verdict = await gate({
        runId: scope.runId,
        jobId: job.id,
        environment: name,
        signal: ctx.runSignal,
      });
      if (ctx.runSignal.aborted) return skip("the run was cancelled", "cancelled");
      if (!verdict.ok) return skip(verdict.reason, "failure");
    }
  }

  let strategy: { matrix?: unknown; "fail-fast"?: unknown; "max-parallel"?: unknown };
  try {
    strategy = evaluateToken(job.job.strategy, contexts, {}, file) ?? {};
  } catch (error) {
    return skip((error as Error).message, "failure");
  }
  const expansion = expandMatrix(strategy.matrix);
  if (!expansion.ok) return skip(`${file}: job '${job.id}': ${expansion.problem}`, "failure");
  const combinations = expansion.combinations;
  const isMatrix = strategy.matrix !== undefined && strategy.matrix !== null;
  const failFast =
    strategy["fail-fast"] === undefined
      ? true
      : strategy["fail-fast"] === true || strategy["fail-fast"] === "true";
  const maxParallel = Number(strategy["max-parallel"] ?? combinations.length) || combinations.length;
  const local = new Semaphore(Math.max(1, maxParallel));
  const failFastController = new AbortController();
  const results: JobResult[] = new Array<JobResult>(combinations.length);

  await Promise.all(
    combinations.map(async (combination, index) => {
      const matrix = isMatrix ? combination : null;
      const instanceContexts: Contexts = {
        ...contexts,
        matrix: matrix ?? {},
        strategy: {
          "fail-fast": failFast,
          "job-index": index,
          "job-total": combinations.length,
          "max-parallel": maxParallel,
        },
      };
      const baseName = safeEvaluateName(job, instanceContexts, file);
      const named = job.raw?.find("name") !== undefined;
      const name = matrix && !named ? `${job.id} (${describeCombination(matrix)})` : baseName;
      const key = matrix ? `${job.id} (${describeCombination(matrix)})` : job.id;
      const finishSkipped = (reason: string, conclusion: Conclusion): void => {
        const result: JobResult = {
          id: job.id,
          key,
          name,
          matrix,
          conclusion,
          outputs: {},
          steps: [],
          durationMs: 0,
          reason,
        };
        results[index] = result;
        scope.emit({ type: "job-finished", key, result });
      };
      let labels: string[];
      let group: { group: string; cancelInProgress: boolean } | undefined;
      try {
        labels = runsOnLabels(evaluateToken(job.job["runs-on"], instanceContexts, {}, file));
        group = concurrencySetting(job.job.concurrency, instanceContexts, file);
      } catch (error) {
        finishSkipped((error as Error).message, "failure");
        return;
      }
      const missing = unmatchedLabels(labels, ctx.labels);
      if (missing.length > 0) {
        const message = `job '${key}' skipped: no runner here has the label(s) ${missing.join(", ")} (runs-on: ${labels.join(", ")}); add them with --label`;
        scope.emit({ type: "warning", message });
        finishSkipped(message, "skipped");
        return;
      }
      await local.run(() =>
        ctx.semaphore.run(async () => {
          const controller = new AbortController();
          const abort = (): void => controller.abort();
          ctx.runSignal.addEventListener("abort", abort, { once: true });
          failFastController.signal.addEventListener("abort", abort, { once: true });
          if (ctx.runSignal.aborted || failFastController.signal.aborted) {
            finishSkipped(
              failFastController.signal.aborted ? "cancelled by fail-fast" : "the run was cancelled",
              "cancelled",
            );
            return;
          }
          let release: (() => void) | undefined;
          if (group) {
            release = await ctx.concurrency.acquire(group.group, group.cancelInProgress, abort);
            if (!release) {
              finishSkipped(`cancelled: a newer job took concurrency group ${group.group}`, "cancelled");
              return;
            }
          }
          try {
            const result = await runJob(scope, {
              job,
              key,
              name,
              matrix,
              strategy: instanceContexts.strategy as Record<string, unknown>,
              needs,
              signal: controller.signal,
            });
            results[index] = result;
            if (result.conclusion === "failure" && failFast && isMatrix) failFastController.abort();
          } finally {
            release?.();
            ctx.runSignal.removeEventListener("abort", abort);
            failFastController.signal.removeEventListener("abort", abort);
          }
        }),
      );
    }),
  );
  const finished = results.filter(Boolean);
  // Like GitHub, a matrix job's outputs are those of the last combination that set them.
  const outputs = Object.assign({}, ...finished.map((result) => result.outputs)) as Record<string, string>;
  const conclusion = aggregateConclusion(
    finished.map((result) => result.conclusion),
    false,
  );
  return { results: finished, conclusion, outputs };
}

/**
 * Runs a local reusable workflow as part of this run: its jobs get the caller's event and github
 * context, typed inputs from `with:`, secrets mapped or inherited; its `workflow_call.outputs`
 * become this job's outputs. Its jobs appear as `caller / job`.
 */
async function runReusable(
  job: LoadedJob,
  reusable: NonNullable<LoadedJob["reusable"]>,
  ctx: GroupContext,
  contexts: Contexts,
  skip: (reason: string, conclusion?: Conclusion) => JobGroupState,
): Promise<JobGroupState> {
  const { scope } = ctx;
  const { call, callee } = reusable;
  const file = scope.workflow.file;
  let withValues: Record<string, string>;
  let secrets: Record<string, string>;
  try {
    const given = (evaluateToken(call["input-values"], contexts, {}, file) ?? {}) as Record<string, unknown>;
    withValues = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, toExpressionString(v)]));
    const mapped = (evaluateToken(call["secret-values"], contexts, {}, file) ?? {}) as Record<
      string,
      unknown
    >;
    secrets = call["inherit-secrets"]
      ? { ...scope.secrets }
      : Object.fromEntries(Object.entries(mapped).map(([k, v]) => [k, toExpressionString(v)]));
  } catch (error) {
    return skip((error as Error).message, "failure");
  }
  const declared =
    (callee.on.workflow_call as { inputs?: Record<string, InputDeclaration> } | null)?.inputs ?? {};
  const resolved = resolveInputs(declared, withValues);
  if (!resolved.ok) return skip(`${callee.file}: ${resolved.problems.join("; ")}`, "failure");

  const prefix = (key: string): string => `${job.id} / ${key}`;
  const childScope: RunScope = {
    ...scope,
    workflow: callee,
    inputs: resolved.inputs,
    secrets,
    emit: (event) => {
      switch (event.type) {
        case "job-started":
          scope.emit({ ...event, key: prefix(event.key), name: prefix(event.name) });
          return;
        case "step-started":
        case "step-finished":
        case "log":
          scope.emit({ ...event, key: prefix(event.key) });
          return;
        case "job-finished":
          scope.emit({
            ...event,
            key: prefix(event.key),
            result: { ...event.result, name: prefix(event.result.name) },
          });
          return;
        case "run-started":
        case "run-finished":
        case "warning":
          scope.emit(event);
      }
    },
    storeLogs: (key, _jobId, lines) => scope.storeLogs(prefix(key), job.id, lines),
  };
  const groups = new Map<string, JobGroupState>();
  const childContexts: Contexts = { ...ctx.baseContexts, inputs: resolved.inputs, secrets };
  await scheduleJobs(callee.jobs, async (child) => {
    groups.set(
      child.id,
      await runJobGroup(child, {
        ...ctx,
        scope: childScope,
        jobs: callee.jobs,
        groups,
        baseContexts: childContexts,
      }),
    );
  });
  const results = callee.jobs.flatMap((child) =>
    (groups.get(child.id)?.results ?? []).map((result) => ({
      ...result,
      id: job.id,
      key: prefix(result.key),
      name: prefix(result.name),
    })),
  );
  const jobsContext = Object.fromEntries(
    callee.jobs.map((child) => [
      child.id,
      { result: groups.get(child.id)?.conclusion ?? "skipped", outputs: groups.get(child.id)?.outputs ?? {} },
    ]),
  );
  let outputs: Record<string, string> = {};
  try {
    const declaredOutputs = (evaluateToken(
      callee.callOutputs,
      { ...childContexts, jobs: jobsContext },
      {},
      callee.file,
    ) ?? {}) as Record<string, { value?: unknown }>;
    outputs = Object.fromEntries(
      Object.entries(declaredOutputs).map(([name, output]) => [name, toExpressionString(output.value)]),
    );
  } catch (error) {
    scope.emit({ type: "warning", message: `${callee.file}: outputs: ${(error as Error).message}` });
  }
  const conclusion = aggregateConclusion(
    results.map((result) => result.conclusion),
    false,
  );
  return { results, conclusion, outputs };
}

function nameWithoutExpressions(job: LoadedJob): string {
  const token = job.job.name as { value?: unknown; isExpression?: boolean } | undefined;
  return token && !token.isExpression && typeof token.value === "string" ? token.value : job.id;
}

function safeEvaluateName(job: LoadedJob, contexts: Contexts, file: string): string {
  if (!job.job.name) return job.id;
  try {
    return toExpressionString(evaluateToken(job.job.name, contexts, {}, file));
  } catch {
    return job.id;
  }
}

function concurrencySetting(
  token: Parameters<typeof evaluateToken>[0],
  contexts: Contexts,
  file: string,
): { group: string; cancelInProgress: boolean } | undefined {
  if (!token) return undefined;
  const value = evaluateToken(token, contexts, {}, file);
  if (typeof value === "string") return { group: value, cancelInProgress: false };
  if (value && typeof value === "object") {
    const { group, "cancel-in-progress": cancel } = value as {
      group?: unknown;
      "cancel-in-progress"?: unknown;
    };
    if (group === undefined || group === "")
      throw new ExpressionFailure(`${file}: concurrency needs a group`);
    return { group: toExpressionString(group), cancelInProgress: cancel === true || cancel === "true" };
  }
  return undefined;
}

/** At most `limit` tasks at once, in arrival order. */
class Semaphore {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

/** Reads `--event-file`: the JSON payload GitHub would deliver. */
export function readEventFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `--event-file ${path}: ${(error as Error).message}`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new Error("expected a JSON object");
    return value as Record<string, unknown>;
  } catch (error) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `--event-file ${path}: not a JSON object (${(error as Error).message})`,
    );
  }
}
