import { transitiveNeeds } from "../core/workflow/graph.js";
import { statusFunctions, type Conclusion } from "../core/workflow/status.js";
import type { ConcurrencyGroups } from "./concurrency.js";
import type { JobDispatch } from "./job-dispatch.js";
import { evaluateCondition, evaluateToken, type Contexts } from "./expressions.js";
import { at, staticJobName, type LoadedJob, type LoadedWorkflow } from "./load.js";
import { cancelReason, runMatrix, type Strategy } from "./matrix-jobs.js";
import type { JobResult } from "../core/workflow/model.js";
import { loadRemoteReusable } from "./remote-reusable.js";
import { runReusable } from "./reusable-workflow.js";
import type { JobEnvironmentGate } from "./run-options.js";
import type { JobInstance, RunScope } from "./run-scope.js";
import type { Semaphore } from "./semaphore.js";

/** A job's results (one per matrix combination) and what `needs.<id>` shows of it. */
export interface JobGroupState {
  results: JobResult[];
  conclusion: Conclusion;
  outputs: Record<string, string>;
}

/** What the jobs of one workflow (or one called reusable workflow) share while they run. */
export interface GroupContext {
  scope: RunScope;
  jobs: LoadedJob[];
  groups: Map<string, JobGroupState>;
  semaphore: Semaphore;
  baseContexts: Contexts;
  runSignal: AbortSignal;
  labels: string[];
  concurrency: ConcurrencyGroups;
  environmentGate?: JobEnvironmentGate;
  /** Where each job runs (in this process, or on runners through a queue). */
  dispatch: JobDispatch;
}

/** Evaluates a job's `if`, environment gate and strategy, then runs its matrix combinations. */
export async function runJobGroup(job: LoadedJob, ctx: GroupContext): Promise<JobGroupState> {
  const { scope } = ctx;
  const file = scope.workflow.file;
  const needs = Object.create(null) as JobInstance["needs"];
  for (const need of job.needs) {
    const state = ctx.groups.get(need);
    needs[need] = { result: state?.conclusion ?? "skipped", outputs: state?.outputs ?? {} };
  }
  const contexts: Contexts = { ...ctx.baseContexts, needs };
  const skip = (reason: string, conclusion: Conclusion = "skipped"): JobGroupState => {
    const result: JobResult = {
      id: job.id,
      key: job.id,
      name: staticJobName(job),
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
  if (ctx.runSignal.aborted) return skip(cancelReason(ctx.runSignal), "cancelled");

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

  if (job.refused) return skip(job.refused, "failure");
  if (job.reusable) return runReusable(job, job.reusable, ctx, contexts, skip, runJobGroup);
  if (job.remoteCall) {
    let callee: LoadedWorkflow;
    try {
      callee = await loadRemoteReusable(ctx.scope, job.remoteCall);
    } catch (error) {
      const { ref } = job.remoteCall.call;
      return skip(
        `${at(file, ref)}job '${job.id}' calls ${ref.value}: ${(error as Error).message}`,
        "failure",
      );
    }
    return runReusable(job, { call: job.remoteCall.call, callee }, ctx, contexts, skip, runJobGroup);
  }

  const refused = await passEnvironmentGate(job, ctx, contexts);
  if (refused) return skip(refused.reason, refused.conclusion);

  let strategy: Strategy;
  try {
    strategy = evaluateToken(job.job.strategy, contexts, {}, file) ?? {};
  } catch (error) {
    return skip((error as Error).message, "failure");
  }
  return runMatrix(job, ctx, contexts, needs, strategy, skip);
}

/**
 * Asks the environment gate (the server's approvals) before a job with `environment:` runs;
 * undefined when the job may go on.
 */
async function passEnvironmentGate(
  job: LoadedJob,
  ctx: GroupContext,
  contexts: Contexts,
): Promise<{ reason: string; conclusion: Conclusion } | undefined> {
  const gate = ctx.environmentGate;
  if (!gate || !job.job.environment) return undefined;
  let environment: unknown;
  try {
    environment = evaluateToken(job.job.environment, contexts, {}, ctx.scope.workflow.file);
  } catch (error) {
    return { reason: (error as Error).message, conclusion: "failure" };
  }
  const name =
    typeof environment === "object" && environment !== null
      ? (environment as { name?: unknown }).name
      : environment;
  if (typeof name !== "string" || name === "") return undefined;
  const verdict = await gate({
    runId: ctx.scope.runId,
    jobId: job.id,
    environment: name,
    signal: ctx.runSignal,
  });
  if (ctx.runSignal.aborted) return { reason: cancelReason(ctx.runSignal), conclusion: "cancelled" };
  if (!verdict.ok) return { reason: verdict.reason, conclusion: "failure" };
  return undefined;
}
