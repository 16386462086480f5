import { ANALYSIS_DEFAULTS } from "../defaults.js";
import type { Summary } from "../summary.js";
import {
  formatP,
  formatValue,
  jsonNumber,
  significant,
  waitingText,
  type Judgement,
  type MetricUnit,
  type WaitingFor,
} from "../verdict.js";
import { latencyFloor } from "./latency-comparison.js";

export interface RatioOptions {
  metric: string;
  unit?: MetricUnit;
  /** Fail when canary / stable exceeds this (default 2: seed 004's "more than 2x baseline"). */
  maxRatio?: number;
  /** Fail when canary / stable falls below this (for metrics where lower is worse, e.g. throughput). */
  minRatio?: number;
  /** Fewer observations on either side make the measurement wait (default 1). */
  minSamples?: number;
  /**
   * Absolute floor in the metric's unit: a ratio beyond its bound fails only when canary and stable
   * also differ by at least this much (default 100 for unit "ms": the blue-green baseline trigger's
   * floor; 0 otherwise).
   */
  minDelta?: number;
  /** What one observation is, for "waiting for 50 requests" (default "observations"). */
  observations?: string;
  /**
   * Whether the canary's excess is statistically significant, when the caller could test it (the
   * proxy's histograms: a tail-proportion test). Absent: no test, the bounds alone decide.
   */
  significance?: { pValue: number; alpha: number; test: string };
}

/** Ratio to the baseline: canary value / stable value against a bound, e.g. p95 ≤ 2× stable's. */
export function judgeRatio(canary: Summary, stable: Summary, options: RatioOptions): Judgement {
  const { metric, unit = "none" } = options;
  const maxRatio =
    options.maxRatio ?? (options.minRatio === undefined ? ANALYSIS_DEFAULTS.maxRatioToBaseline : undefined);
  const minRatio = options.minRatio;
  const minSamples = options.minSamples ?? 1;
  const minDelta = options.minDelta ?? latencyFloor(unit, ANALYSIS_DEFAULTS.minPercentileDeltaMs);
  const ratio = canary.value / stable.value;
  const delta = canary.value - stable.value;
  const numbers = {
    canary: jsonNumber(canary.value),
    stable: jsonNumber(stable.value),
    ratio: jsonNumber(ratio),
    maxRatio: maxRatio ?? null,
    minRatio: minRatio ?? null,
    canaryN: canary.n,
    stableN: stable.n,
    delta: jsonNumber(delta),
    minDelta,
    pValue: options.significance?.pValue ?? null,
  };
  const bound = [
    minRatio !== undefined ? `≥ ${minRatio}×` : "",
    maxRatio !== undefined ? `≤ ${maxRatio}×` : "",
  ]
    .filter(Boolean)
    .join(" and ");
  const values = `canary ${formatValue(canary.value, unit)} vs stable ${formatValue(stable.value, unit)}`;
  const missing =
    canary.noData !== undefined
      ? `canary: ${canary.noData}`
      : stable.noData !== undefined
        ? `stable: ${stable.noData}`
        : undefined;
  const waitingFor: WaitingFor | undefined =
    canary.noTraffic || (canary.noData === undefined && canary.n < minSamples)
      ? { side: "canary", what: options.observations ?? "observations", needed: minSamples, have: canary.n }
      : stable.noTraffic || (stable.noData === undefined && stable.n < minSamples)
        ? { side: "stable", what: options.observations ?? "observations", needed: minSamples, have: stable.n }
        : undefined;
  if (waitingFor) {
    // Too little traffic yet: more time fixes it, so this is no verdict (the measurement waits).
    return { verdict: "waiting", explanation: `${metric}: ${waitingText(waitingFor)}`, numbers, waitingFor };
  }
  if (missing !== undefined || Number.isNaN(canary.value) || Number.isNaN(stable.value)) {
    return {
      verdict: "inconclusive",
      explanation: `${metric}: ${values}; no ratio (${missing ?? "NaN"}) → inconclusive`,
      numbers,
    };
  }
  if (canary.value === 0 && stable.value === 0) {
    return {
      verdict: "pass",
      explanation: `${metric}: canary and stable both 0; ratio bound ${bound} holds → pass`,
      numbers,
    };
  }
  const ratioText = Number.isFinite(ratio) ? `${significant(ratio)}×` : "∞× (stable is 0)";
  const outside =
    maxRatio !== undefined && ratio > maxRatio
      ? `above ${maxRatio}×`
      : minRatio !== undefined && ratio < minRatio
        ? `below ${minRatio}×`
        : undefined;
  if (outside !== undefined) {
    const head = `${metric}: ${values} = ${ratioText} stable, ${outside} (ratio to baseline)`;
    const diff = `${delta >= 0 ? "+" : ""}${formatValue(delta, unit)}`;
    if (Math.abs(delta) < minDelta) {
      return {
        verdict: "pass",
        explanation: `${head} but only ${diff}, under the ${formatValue(minDelta, unit)} floor (too small to matter) → pass`,
        numbers,
      };
    }
    const sig = options.significance;
    if (sig && !(sig.pValue < sig.alpha)) {
      return {
        verdict: "pass",
        explanation: `${head}, ${diff}, but ${sig.test} p=${formatP(sig.pValue)} ≥ α=${sig.alpha} (not significant) → pass`,
        numbers,
      };
    }
    const sigText = sig ? `, ${sig.test} p=${formatP(sig.pValue)} < α=${sig.alpha}` : "";
    return { verdict: "fail", explanation: `${head}, ${diff}${sigText} → fail`, numbers };
  }
  return {
    verdict: "pass",
    explanation: `${metric}: ${values} = ${ratioText} stable, within ${bound} (ratio to baseline) → pass`,
    numbers,
  };
}
