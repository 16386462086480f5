import { ANALYSIS_DEFAULTS } from "./defaults.js";
import type { Judgement, WaitingFor } from "./verdict.js";

/**
 * Bookkeeping of one metric's measurements over a rollout step, with Argo Rollouts' AnalysisRun
 * semantics (interval, count, failureLimit, inconclusiveLimit, consecutiveErrorLimit,
 * consecutiveSuccessLimit, dryRun) plus an explicit policy for inconclusive results. Pure: the
 * caller passes times in and gets the next state and when to measure next.
 */

/**
 * Failed = the release is bad; error = we could not measure; inconclusive = we cannot tell;
 * waiting = not enough data yet (minimum samples, warm-up), which time fixes: it is no verdict and
 * counts toward nothing, until it has waited `maxWaitMs` (then it is recorded as inconclusive).
 */
export type MeasurementPhase = "successful" | "failed" | "inconclusive" | "error" | "waiting";

export interface Measurement {
  phase: MeasurementPhase;
  startedAt: number;
  finishedAt: number;
  /** The judge's one-line explanation, or the provider's error message. */
  explanation: string;
  numbers?: Judgement["numbers"];
  /** With phase "waiting": what is missing. */
  waitingFor?: WaitingFor;
}

/**
 * What an inconclusive measurement does once `inconclusiveLimit` is exceeded:
 * - "pause" (default, as Argo): the run ends inconclusive and the rollout pauses for a human;
 * - "fail": the run fails and the rollout aborts;
 * - "wait": inconclusive measurements are retried at the next interval without using up `count`
 *   (the rollout holds its weight); past the limit the run ends inconclusive and pauses.
 */
export type InconclusivePolicy = "wait" | "pause" | "fail";

export interface MetricRunSpec {
  name: string;
  /** Time between measurements; without it (and without count) one measurement is taken. */
  intervalMs?: number;
  /** Measurements to take; with an interval but no count the run continues until terminated. */
  count?: number;
  initialDelayMs?: number;
  /** Failed measurements tolerated; -1 disables (default 0). */
  failureLimit?: number;
  /** Inconclusive measurements tolerated (default 0; 10 under the "wait" policy). */
  inconclusiveLimit?: number;
  /** Consecutive provider errors tolerated (default 4). */
  consecutiveErrorLimit?: number;
  /** Consecutive successes needed for success when count is reached (default 0 = off). */
  consecutiveSuccessLimit?: number;
  onInconclusive?: InconclusivePolicy;
  /** Evaluated and reported, never affects the rollout. */
  dryRun?: boolean;
  /** Measurements kept in the state (default 10). */
  measurementRetention?: number;
  /**
   * How long measurements may keep waiting for data (minimum samples, warm-up) before a waiting
   * measurement counts as inconclusive (default 10 min).
   */
  maxWaitMs?: number;
}

export type MetricRunPhase = "running" | "successful" | "failed" | "inconclusive" | "error";

export interface MetricRunState {
  name: string;
  phase: MetricRunPhase;
  startedAt: number;
  /** When the next measurement is due (unix ms); absent once the run has ended. */
  nextMeasurementAt?: number;
  /** Measurements that used up `count` (errors and waited inconclusives do not). */
  taken: number;
  successful: number;
  failed: number;
  inconclusive: number;
  errors: number;
  consecutiveErrors: number;
  consecutiveSuccesses: number;
  /** The most recent measurements, oldest first. */
  measurements: Measurement[];
  /** Why the run is in its phase, one line. */
  message: string;
  /** Since when measurements have been waiting for data (absent when the last one was not waiting). */
  waitingSince?: number;
}

interface Resolved {
  intervalMs: number | undefined;
  count: number | undefined;
  failureLimit: number;
  inconclusiveLimit: number;
  consecutiveErrorLimit: number;
  consecutiveSuccessLimit: number;
  policy: InconclusivePolicy;
  retention: number;
  maxWaitMs: number;
  waitPollMs: number;
}

function resolve(spec: MetricRunSpec): Resolved {
  const policy = spec.onInconclusive ?? "pause";
  return {
    intervalMs: spec.intervalMs,
    count: spec.count ?? (spec.intervalMs === undefined ? 1 : undefined),
    failureLimit: spec.failureLimit ?? ANALYSIS_DEFAULTS.failureLimit,
    inconclusiveLimit:
      spec.inconclusiveLimit ??
      (policy === "wait" ? ANALYSIS_DEFAULTS.waitLimit : ANALYSIS_DEFAULTS.inconclusiveLimit),
    consecutiveErrorLimit: spec.consecutiveErrorLimit ?? ANALYSIS_DEFAULTS.consecutiveErrorLimit,
    consecutiveSuccessLimit: spec.consecutiveSuccessLimit ?? 0,
    policy,
    retention: spec.measurementRetention ?? ANALYSIS_DEFAULTS.measurementRetention,
    maxWaitMs: spec.maxWaitMs ?? ANALYSIS_DEFAULTS.maxWaitMs,
    // A wait is re-checked soon (data may arrive any moment), never slower than the interval.
    waitPollMs: Math.min(spec.intervalMs ?? ANALYSIS_DEFAULTS.waitPollMs, ANALYSIS_DEFAULTS.waitPollMs),
  };
}

export function startMetricRun(spec: MetricRunSpec, now: number): MetricRunState {
  if (spec.count !== undefined && spec.count > 1 && spec.intervalMs === undefined) {
    throw new RangeError(`metric ${spec.name}: count ${spec.count} needs an interval`);
  }
  const zeroCount = spec.count === 0;
  return {
    name: spec.name,
    phase: zeroCount ? "successful" : "running",
    startedAt: now,
    ...(zeroCount ? {} : { nextMeasurementAt: now + (spec.initialDelayMs ?? 0) }),
    taken: 0,
    successful: 0,
    failed: 0,
    inconclusive: 0,
    errors: 0,
    consecutiveErrors: 0,
    consecutiveSuccesses: 0,
    measurements: [],
    message: zeroCount ? "count is 0: nothing to measure" : "waiting for the first measurement",
  };
}

/** Turn a judge's verdict into a measurement. */
export function measurementFromJudgement(j: Judgement, startedAt: number, finishedAt: number): Measurement {
  const phase: MeasurementPhase = PHASE_OF[j.verdict];
  return {
    phase,
    startedAt,
    finishedAt,
    explanation: j.explanation,
    numbers: j.numbers,
    ...(j.waitingFor ? { waitingFor: j.waitingFor } : {}),
  };
}

const PHASE_OF: Record<Judgement["verdict"], MeasurementPhase> = {
  pass: "successful",
  fail: "failed",
  inconclusive: "inconclusive",
  waiting: "waiting",
};

/** Not measured yet for want of data (e.g. the canary still warming up): waits, counts toward nothing. */
export function measurementWaiting(
  metric: string,
  reason: string,
  startedAt: number,
  finishedAt: number,
): Measurement {
  return { phase: "waiting", startedAt, finishedAt, explanation: `${metric}: ${reason}` };
}

/** A provider failure (unreachable, bad query, timeout) as a measurement: an error, not a verdict. */
export function measurementFromError(
  metric: string,
  message: string,
  startedAt: number,
  finishedAt: number,
): Measurement {
  return { phase: "error", startedAt, finishedAt, explanation: `${metric}: could not measure: ${message}` };
}

export function recordMeasurement(
  spec: MetricRunSpec,
  state: MetricRunState,
  m: Measurement,
): MetricRunState {
  if (state.phase !== "running") return state;
  const r = resolve(spec);
  if (m.phase === "waiting") {
    const since = state.waitingSince ?? m.startedAt;
    if (m.finishedAt - since < r.maxWaitMs) return recordWait(state, m, since, r);
    // Waited too long: from here the wait is a verdict, inconclusive, and the policy decides.
    m = {
      ...m,
      phase: "inconclusive",
      explanation: `${m.explanation}; still waiting after ${Math.round((m.finishedAt - since) / 1000)} s (maxWait ${Math.round(r.maxWaitMs / 1000)} s) → inconclusive`,
    };
  }
  const next: MetricRunState = {
    ...state,
    measurements: [...state.measurements, m].slice(-r.retention),
    message: m.explanation,
  };
  delete next.waitingSince;
  let ended: { phase: MetricRunPhase; message: string } | undefined;
  switch (m.phase) {
    case "error":
      next.errors++;
      next.consecutiveErrors++;
      if (next.consecutiveErrors > r.consecutiveErrorLimit) {
        ended = {
          phase: "error",
          message: `${next.consecutiveErrors} consecutive errors (limit ${r.consecutiveErrorLimit}); last: ${m.explanation}`,
        };
      }
      break;
    case "successful":
      next.consecutiveErrors = 0;
      next.successful++;
      next.consecutiveSuccesses++;
      next.taken++;
      break;
    case "failed":
      next.consecutiveErrors = 0;
      next.failed++;
      next.consecutiveSuccesses = 0;
      next.taken++;
      if (r.failureLimit >= 0 && next.failed > r.failureLimit) {
        ended = {
          phase: "failed",
          message: `${next.failed} failed measurement(s) (limit ${r.failureLimit}); last: ${m.explanation}`,
        };
      }
      break;
    case "inconclusive":
      next.consecutiveErrors = 0;
      next.inconclusive++;
      next.consecutiveSuccesses = 0;
      if (r.policy !== "wait") next.taken++;
      if (next.inconclusive > r.inconclusiveLimit) {
        const phase: MetricRunPhase = r.policy === "fail" ? "failed" : "inconclusive";
        const then = r.policy === "fail" ? "failing as configured" : "pausing for a human";
        ended = {
          phase,
          message: `${next.inconclusive} inconclusive measurement(s) (limit ${r.inconclusiveLimit}), ${then}; last: ${m.explanation}`,
        };
      }
      break;
    case "waiting":
      throw new Error("unreachable: waiting measurements are recorded by recordWait");
    default: {
      const never: never = m.phase;
      throw new Error(`unknown measurement phase ${String(never)}`);
    }
  }
  if (!ended && r.count !== undefined && next.taken >= r.count) ended = completeAtCount(next, r);
  if (ended) {
    next.phase = ended.phase;
    next.message = ended.message;
    delete next.nextMeasurementAt;
  } else {
    next.nextMeasurementAt = m.finishedAt + (r.intervalMs ?? 0);
  }
  return next;
}

/**
 * A waiting measurement: no verdict, nothing counted, the run keeps going and looks again soon. It
 * replaces a waiting measurement just before it, so a long wait leaves one entry, not hundreds.
 */
function recordWait(state: MetricRunState, m: Measurement, since: number, r: Resolved): MetricRunState {
  const kept =
    state.measurements.at(-1)?.phase === "waiting" ? state.measurements.slice(0, -1) : state.measurements;
  return {
    ...state,
    measurements: [...kept, m].slice(-r.retention),
    message: m.explanation,
    consecutiveErrors: 0,
    waitingSince: since,
    nextMeasurementAt: m.finishedAt + r.waitPollMs,
  };
}

/** Argo's truth table when `count` is reached and failureLimit was not violated. */
function completeAtCount(state: MetricRunState, r: Resolved): { phase: MetricRunPhase; message: string } {
  if (r.consecutiveSuccessLimit > 0 && state.consecutiveSuccesses < r.consecutiveSuccessLimit) {
    const phase: MetricRunPhase = r.policy === "fail" ? "failed" : "inconclusive";
    return {
      phase,
      message: `${state.consecutiveSuccesses} consecutive successes at the end, ${r.consecutiveSuccessLimit} needed`,
    };
  }
  if (state.successful === 0) {
    // Nothing conclusive was ever measured (e.g. every measurement waited or was tolerated as
    // inconclusive): calling that a success would be a silent pass.
    const phase: MetricRunPhase = r.policy === "fail" ? "failed" : "inconclusive";
    return { phase, message: `no successful measurement in ${state.taken}; last: ${state.message}` };
  }
  return {
    phase: "successful",
    message: `${state.successful} of ${state.taken} measurements successful; last: ${state.message}`,
  };
}

/**
 * End a run early (the step ended, the rollout was promoted or aborted). As in Argo, a run still
 * going ends successful unless its limits were already violated, but only if it measured
 * something successfully: terminating before any success is inconclusive, never a silent pass.
 */
export function terminateMetricRun(state: MetricRunState, reason: string): MetricRunState {
  if (state.phase !== "running") return state;
  const next: MetricRunState = { ...state };
  delete next.nextMeasurementAt;
  if (state.successful === 0) {
    next.phase = "inconclusive";
    next.message = `terminated (${reason}) before any successful measurement`;
  } else {
    next.phase = "successful";
    next.message = `terminated (${reason}) after ${state.successful} successful of ${state.taken}`;
  }
  return next;
}

/** Whether a measurement is due at `now`. */
export function measurementDue(state: MetricRunState, now: number): boolean {
  return state.phase === "running" && state.nextMeasurementAt !== undefined && now >= state.nextMeasurementAt;
}

/** What the rollout should do given its analysis: go on, keep waiting, pause for a human, or abort. */
export type AnalysisDecision = "continue" | "wait" | "pause" | "abort";

export interface AnalysisOutcome {
  decision: AnalysisDecision;
  phase: MetricRunPhase;
  /** One line per deciding metric, "name: message". */
  explanation: string;
  dryRun: string[];
}

/**
 * Combine metric runs: any failed or errored metric aborts; otherwise any inconclusive one pauses;
 * otherwise any still running keeps the step waiting; all successful continues. Dry-run metrics
 * are reported but never decide.
 */
export function analysisOutcome(
  runs: readonly { spec: MetricRunSpec; state: MetricRunState }[],
): AnalysisOutcome {
  const live = runs.filter((r) => !r.spec.dryRun);
  const dryRun = runs
    .filter((r) => r.spec.dryRun)
    .map((r) => `${r.state.name} (dry run): ${r.state.phase}: ${r.state.message}`);
  const lines = (phases: MetricRunPhase[]) =>
    live
      .filter((r) => phases.includes(r.state.phase))
      .map((r) => `${r.state.name}: ${r.state.message}`)
      .join("; ");
  if (live.some((r) => r.state.phase === "failed" || r.state.phase === "error")) {
    const phase = live.some((r) => r.state.phase === "failed") ? "failed" : "error";
    return { decision: "abort", phase, explanation: lines(["failed", "error"]), dryRun };
  }
  if (live.some((r) => r.state.phase === "inconclusive")) {
    return { decision: "pause", phase: "inconclusive", explanation: lines(["inconclusive"]), dryRun };
  }
  if (live.some((r) => r.state.phase === "running")) {
    return { decision: "wait", phase: "running", explanation: lines(["running"]), dryRun };
  }
  if (live.length === 0) {
    return { decision: "continue", phase: "successful", explanation: "no metrics to analyse", dryRun };
  }
  return { decision: "continue", phase: "successful", explanation: lines(["successful"]), dryRun };
}
