import type { Summary } from "../summary.js";
import {
  formatValue,
  jsonNumber,
  waitingText,
  type Judgement,
  type MetricUnit,
  type WaitingFor,
} from "../verdict.js";

export interface ThresholdOptions {
  /** Metric name as the user wrote it, e.g. "latency p95". */
  metric: string;
  unit?: MetricUnit;
  /** Fail below this value. */
  min?: number;
  /** Fail above this value. */
  max?: number;
  /** Fewer observations make the verdict inconclusive (default 1: one value is enough). */
  minSamples?: number;
  /**
   * A series whose points are all equal may mean the metric stopped updating. "ignore" (default
   * for thresholds, since a steady 0 % error rate is flat and healthy) or "inconclusive".
   */
  flatline?: "inconclusive" | "ignore";
  /** What one observation is, for "waiting for 50 requests" (default "observations"). */
  observations?: string;
  /** The stable revision's value, shown for context only. */
  stable?: Summary;
}

/**
 * Fixed threshold (Flagger's thresholdRange): pass inside [min, max], fail outside, inconclusive
 * without data. Cheap and predictable, but blind to regressions under the limit: pair it with a
 * comparison judge.
 */
export function judgeThreshold(canary: Summary, options: ThresholdOptions): Judgement {
  const { metric, unit = "none", min, max } = options;
  const minSamples = options.minSamples ?? 1;
  if (min === undefined && max === undefined) throw new RangeError(`${metric}: a threshold needs min or max`);
  const limits = [
    min !== undefined ? `min ${formatValue(min, unit)}` : "",
    max !== undefined ? `max ${formatValue(max, unit)}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const stableText = options.stable ? ` (stable ${formatValue(options.stable.value, unit)})` : "";
  const numbers = {
    canary: jsonNumber(canary.value),
    stable: options.stable ? jsonNumber(options.stable.value) : null,
    n: canary.n,
    min: min ?? null,
    max: max ?? null,
  };
  const head = `${metric}: canary ${formatValue(canary.value, unit)}${stableText}`;
  if (canary.noTraffic || (canary.noData === undefined && canary.n < minSamples)) {
    // Too little traffic yet: more time fixes it, so this is no verdict (the measurement waits).
    const waitingFor: WaitingFor = {
      side: "canary",
      what: options.observations ?? "observations",
      needed: minSamples,
      have: canary.n,
    };
    return { verdict: "waiting", explanation: `${metric}: ${waitingText(waitingFor)}`, numbers, waitingFor };
  }
  if (canary.noData !== undefined || Number.isNaN(canary.value)) {
    return {
      verdict: "inconclusive",
      explanation: `${metric}: no canary value (${canary.noData ?? "NaN"}); threshold ${limits} not checked → inconclusive`,
      numbers,
    };
  }
  if ((options.flatline ?? "ignore") === "inconclusive" && canary.flat) {
    return {
      verdict: "inconclusive",
      explanation: `${head}: flat-lined, all ${canary.n} points equal, so the metric may have stopped updating; threshold ${limits} not trusted → inconclusive`,
      numbers,
    };
  }
  if (max !== undefined && canary.value > max) {
    return { verdict: "fail", explanation: `${head} > ${limits} (threshold) → fail`, numbers };
  }
  if (min !== undefined && canary.value < min) {
    return { verdict: "fail", explanation: `${head} < ${limits} (threshold) → fail`, numbers };
  }
  return { verdict: "pass", explanation: `${head} within ${limits} (threshold) → pass`, numbers };
}
