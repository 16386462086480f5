import { setMaxListeners } from "node:events";
import { resolveInputs, type InputDeclaration } from "../core/workflow/dispatch-inputs.js";
import { describeCombination, expandMatrix } from "../core/workflow/matrix.js";
import { aggregateConclusion, type Conclusion } from "../core/workflow/status.js";
import { evaluateToken, toExpressionString, type Contexts } from "./expressions.js";
import type { GroupContext, JobGroupState } from "./job-group.js";
import { scheduleJobs } from "./job-scheduler.js";
import type { LoadedJob } from "./load.js";
import { FAIL_FAST, strategyLimits, type Strategy } from "./matrix-jobs.js";
import { Semaphore } from "./semaphore.js";
import type { RunScope } from "./run-scope.js";

/** Ends the calling job without running it (job-group.ts), with the reason. */
type Skip = (reason: string, conclusion?: Conclusion) => JobGroupState;
type RunGroup = (job: LoadedJob, ctx: GroupContext) => Promise<JobGroupState>;

/**
 * Runs a reusable workflow as part of this run: its jobs get the caller's event and github
 * context, typed inputs from `with:`, secrets mapped or inherited; its `workflow_call.outputs`
 * become this job's outputs. Its jobs appear as `caller / job`. A call with `strategy.matrix` calls
 * it once per combination (`caller (a, b) / job`, `matrix` in `with:`), up to `max-parallel` at once;
 * with fail-fast (the default) a call that fails cancels the others' jobs, and each output is that
 * of the last call to finish that set it.
 */
export async function runReusable(
  job: LoadedJob,
  reusable: NonNullable<LoadedJob["reusable"]>,
  ctx: GroupContext,
  contexts: Contexts,
  skip: Skip,
  // Passed in rather than imported: job-group.ts calls this module for `uses:` jobs.
  runGroup: RunGroup,
): Promise<JobGroupState> {
  const file = ctx.scope.workflow.file;
  let strategy: Strategy;
  try {
    strategy = evaluateToken(reusable.call.strategy, contexts, {}, file) ?? {};
  } catch (error) {
    return skip((error as Error).message, "failure");
  }
  if (strategy.matrix === undefined || strategy.matrix === null)
    return callOnce(job, reusable, ctx, contexts, skip, runGroup, job.id);
  const expansion = expandMatrix(strategy.matrix);
  if (!expansion.ok) return skip(`${file}: job '${job.id}': ${expansion.problem}`, "failure");
  const { combinations } = expansion;
  const { failFast, maxParallel } = strategyLimits(strategy, combinations.length);
  const calls = new Semaphore(maxParallel);
  // The calls' jobs end as cancelled when the run is cancelled or, with fail-fast, a call fails.
  const failFastController = new AbortController();
  const callsSignal = AbortSignal.any([ctx.runSignal, failFastController.signal]);
  // Every job of every call listens to it, as to the run's signal.
  setMaxListeners(0, callsSignal);
  const callCtx: GroupContext = { ...ctx, runSignal: callsSignal };
  // Each call's outputs as it finishes: the last one to set an output wins, as for matrix jobs.
  let outputs: Record<string, string> = {};
  const states = await Promise.all(
    combinations.map((combination, index) =>
      calls.run(async () => {
        const state = await callOnce(
          job,
          reusable,
          callCtx,
          {
            ...contexts,
            matrix: combination,
            strategy: {
              "fail-fast": failFast,
              "job-index": index,
              "job-total": combinations.length,
              "max-parallel": maxParallel,
            },
          },
          skip,
          runGroup,
          `${job.id} (${describeCombination(combination)})`,
        );
        outputs = { ...outputs, ...state.outputs };
        if (failFast && state.conclusion === "failure") failFastController.abort(FAIL_FAST);
        return state;
      }),
    ),
  );
  return {
    results: states.flatMap((state) => state.results),
    conclusion: aggregateConclusion(
      states.map((state) => state.conclusion),
      false,
    ),
    outputs,
  };
}

/** One call of the reusable workflow; its jobs appear as `<label> / job`. */
async function callOnce(
  job: LoadedJob,
  reusable: NonNullable<LoadedJob["reusable"]>,
  ctx: GroupContext,
  contexts: Contexts,
  skip: Skip,
  runGroup: RunGroup,
  label: string,
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
      : {
          // GitHub always passes GITHUB_TOKEN to a called workflow, mapped or not.
          ...(scope.secrets.GITHUB_TOKEN !== undefined ? { GITHUB_TOKEN: scope.secrets.GITHUB_TOKEN } : {}),
          ...Object.fromEntries(Object.entries(mapped).map(([k, v]) => [k, toExpressionString(v)])),
        };
  } catch (error) {
    return skip((error as Error).message, "failure");
  }
  const declared =
    (callee.on.workflow_call as { inputs?: Record<string, InputDeclaration> } | null)?.inputs ?? {};
  const resolved = resolveInputs(declared, withValues);
  if (!resolved.ok) return skip(`${callee.file}: ${resolved.problems.join("; ")}`, "failure");

  const prefix = (key: string): string => `${label} / ${key}`;
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
      await runGroup(child, {
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
  let outputs = Object.create(null) as Record<string, string>;
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
