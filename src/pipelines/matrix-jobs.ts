import { setMaxListeners } from "node:events";
import { describeCombination, expandMatrix } from "../core/workflow/matrix.js";
import { runsOnLabels, unmatchedLabels } from "../core/workflow/runs-on.js";
import { aggregateConclusion, type Conclusion } from "../core/workflow/status.js";
import { concurrencySetting } from "./concurrency.js";
import { evaluateToken, toExpressionString, type Contexts } from "./expressions.js";
import type { GroupContext, JobGroupState } from "./job-group.js";
import type { LoadedJob } from "./load.js";
import type { JobResult } from "../core/workflow/model.js";
import type { JobInstance } from "./run-scope.js";
import { Semaphore } from "./semaphore.js";

/** A job's evaluated `strategy:`. */
export interface Strategy {
  matrix?: unknown;
  "fail-fast"?: unknown;
  "max-parallel"?: unknown;
}

/**
 * Runs each combination of a job's matrix (one combination without a matrix) on a runner with its
 * labels, honouring max-parallel, fail-fast and the job's concurrency group.
 */
export const FAIL_FAST = "cancelled by fail-fast";

/**
 * Why a group's jobs are cancelled: the text its signal was aborted with (fail-fast of a matrix of
 * reusable-workflow calls), else the run's cancellation.
 */
export function cancelReason(signal: AbortSignal): string {
  return typeof signal.reason === "string" ? signal.reason : "the run was cancelled";
}

/** `fail-fast` (default true) and `max-parallel` (default all) of a matrix of `total` combinations. */
export function strategyLimits(
  strategy: Strategy,
  total: number,
): { failFast: boolean; maxParallel: number } {
  const failFast =
    strategy["fail-fast"] === undefined
      ? true
      : strategy["fail-fast"] === true || strategy["fail-fast"] === "true";
  const maxParallel = Number(strategy["max-parallel"] ?? total) || total;
  return { failFast, maxParallel: Math.max(1, maxParallel) };
}

export async function runMatrix(
  job: LoadedJob,
  ctx: GroupContext,
  contexts: Contexts,
  needs: JobInstance["needs"],
  strategy: Strategy,
  skip: (reason: string, conclusion?: Conclusion) => JobGroupState,
): Promise<JobGroupState> {
  const { scope } = ctx;
  const file = scope.workflow.file;
  const expansion = expandMatrix(strategy.matrix);
  if (!expansion.ok) return skip(`${file}: job '${job.id}': ${expansion.problem}`, "failure");
  const combinations = expansion.combinations;
  const isMatrix = strategy.matrix !== undefined && strategy.matrix !== null;
  const { failFast, maxParallel } = strategyLimits(strategy, combinations.length);
  const local = new Semaphore(maxParallel);
  const failFastController = new AbortController();
  // Every running leg listens to it, as to the run's signal (a 27-leg matrix is not a leak).
  setMaxListeners(0, failFastController.signal);
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
      // Runners behind a queue: the job waits there for one that has its labels.
      const missing = ctx.dispatch.local ? unmatchedLabels(labels, ctx.labels) : [];
      if (missing.length > 0) {
        const message = `job '${key}' skipped: no runner here has the label(s) ${missing.join(", ")} (runs-on: ${labels.join(", ")}); add them with --label`;
        scope.emit({ type: "warning", message });
        finishSkipped(message, "skipped");
        return;
      }
      await local.run(() =>
        ctx.semaphore.run(async () => {
          // A leg that never starts adds no listener: one added to an aborted signal stays there.
          if (ctx.runSignal.aborted || failFastController.signal.aborted) {
            finishSkipped(
              failFastController.signal.aborted ? FAIL_FAST : cancelReason(ctx.runSignal),
              "cancelled",
            );
            return;
          }
          const controller = new AbortController();
          const abort = (): void => controller.abort();
          ctx.runSignal.addEventListener("abort", abort, { once: true });
          failFastController.signal.addEventListener("abort", abort, { once: true });
          let release: (() => void) | undefined;
          if (group) {
            release = await ctx.concurrency.acquire(group.group, group.cancelInProgress, abort);
            if (!release) {
              finishSkipped(`cancelled: a newer job took concurrency group ${group.group}`, "cancelled");
              return;
            }
          }
          try {
            const instance = {
              job,
              key,
              name,
              matrix,
              strategy: instanceContexts.strategy as Record<string, unknown>,
              needs,
              signal: controller.signal,
            };
            const result = await ctx.dispatch.run(scope, instance, labels);
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

function safeEvaluateName(job: LoadedJob, contexts: Contexts, file: string): string {
  if (!job.job.name) return job.id;
  try {
    return toExpressionString(evaluateToken(job.job.name, contexts, {}, file));
  } catch {
    return job.id;
  }
}
