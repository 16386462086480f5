import { ANALYSIS_DEFAULTS } from "../defaults.js";
import {
  bucketCounts,
  histogramQuantile,
  mean,
  median,
  type CumulativeHistogram,
} from "../stats/descriptive.js";
import {
  groupSamples,
  hodgesLehmannShift,
  mannWhitneyGrouped,
  type Alternative,
  type GroupedValue,
} from "../stats/mann-whitney.js";
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

/** Observations of one revision: raw values (e.g. range-query points) or the proxy's histogram. */
export type Distribution =
  { kind: "values"; values: readonly number[] } | { kind: "histogram"; histogram: CumulativeHistogram };

export interface DistributionComparisonOptions {
  metric: string;
  unit?: MetricUnit;
  /** Which way is worse: "increase" (latency, default), "decrease" (throughput), "either". */
  direction?: "increase" | "decrease" | "either";
  /** Significance level (default 0.01). */
  alpha?: number;
  /** Observations needed on each side (default 50). */
  minSamples?: number;
  /**
   * Smallest practical effect as canary mean / stable mean: a change must be at least this big
   * (default 1.25, i.e. 25 % slower; 1/1.25 for "decrease") to fail, however small its p-value.
   */
  minEffectRatio?: number;
  /**
   * Smallest practical effect in the metric's unit, |canary mean − stable mean| (default 10 for
   * unit "ms", 0.01 for "s", 0 otherwise). Both this and the ratio must be reached, and the test significant.
   */
  minDelta?: number;
  /** Everything equal on both sides usually means a dead metric: "inconclusive" (default) or "pass". */
  flatline?: "inconclusive" | "pass";
}

/**
 * Statistical comparison of canary against stable over the same window: one-sided Mann–Whitney
 * U (mid-ranks, tie correction, continuity correction; exact for small untied samples), gated by
 * a minimum sample size and a minimum effect size, Kayenta-style. Histograms compare as ordered
 * categories (their buckets), which the tie-corrected test handles exactly.
 */
export function judgeDistributions(
  canary: Distribution,
  stable: Distribution,
  options: DistributionComparisonOptions,
): Judgement {
  const { metric, unit = "none" } = options;
  const direction = options.direction ?? "increase";
  const alpha = options.alpha ?? ANALYSIS_DEFAULTS.alpha;
  const minSamples = options.minSamples ?? ANALYSIS_DEFAULTS.minSamples;
  const minEffect = options.minEffectRatio ?? ANALYSIS_DEFAULTS.minEffectRatio;
  const minDelta = options.minDelta ?? latencyFloor(unit, ANALYSIS_DEFAULTS.minLatencyDeltaMs);
  const c = describe(canary);
  const s = describe(stable);
  const meanRatio = c.mean / s.mean;
  const meanDelta = c.mean - s.mean;
  const values = `canary median ${formatValue(c.median, unit)} (n=${c.n}) vs stable median ${formatValue(s.median, unit)} (n=${s.n})`;
  const numbers: Judgement["numbers"] = {
    canaryN: c.n,
    stableN: s.n,
    canaryMedian: jsonNumber(c.median),
    stableMedian: jsonNumber(s.median),
    canaryMean: jsonNumber(c.mean),
    stableMean: jsonNumber(s.mean),
    meanRatio: jsonNumber(meanRatio),
    meanDelta: jsonNumber(meanDelta),
    alpha,
    minSamples,
    minEffectRatio: minEffect,
    minDelta,
    test: "mann-whitney-u",
  };

  if (c.n < minSamples || s.n < minSamples) {
    // More traffic fixes this, so it is not a verdict at all: the measurement waits.
    const waitingFor: WaitingFor = {
      side: c.n < minSamples ? "canary" : "stable",
      what: canary.kind === "histogram" ? "requests" : "observations",
      needed: minSamples,
      have: c.n < minSamples ? c.n : s.n,
    };
    return { verdict: "waiting", explanation: `${metric}: ${waitingText(waitingFor)}`, numbers, waitingFor };
  }
  let groups: GroupedValue[];
  try {
    groups = toGroups(canary, stable);
  } catch (error) {
    return {
      verdict: "inconclusive",
      explanation: `${metric}: ${(error as Error).message} → inconclusive`,
      numbers,
    };
  }
  if (groups.length === 1) {
    const verdict = options.flatline === "pass" ? "pass" : "inconclusive";
    return {
      verdict,
      explanation: `${metric}: flat-lined, all ${c.n + s.n} canary and stable values equal ${formatValue(groups[0]?.value ?? Number.NaN, unit)}; nothing to compare (is the metric still updating?) → ${verdict}`,
      numbers,
    };
  }

  const alternative: Alternative =
    direction === "increase" ? "greater" : direction === "decrease" ? "less" : "two-sided";
  const test = mannWhitneyGrouped(groups, { alternative });
  const shift =
    canary.kind === "values" && stable.kind === "values" ? hodgesLehmannShift(groups) : Number.NaN;
  Object.assign(numbers, {
    u: test.u,
    z: jsonNumber(test.z),
    pValue: test.pValue,
    method: test.method,
    alternative,
    cles: test.cles,
    hodgesLehmannShift: jsonNumber(shift),
  });

  const bigEnough = Math.abs(meanDelta) >= minDelta;
  const worseBy =
    bigEnough &&
    (direction === "increase"
      ? meanRatio >= minEffect && meanDelta > 0
      : direction === "decrease"
        ? meanRatio <= 1 / minEffect && meanDelta < 0
        : meanRatio >= minEffect || meanRatio <= 1 / minEffect);
  const shiftText = Number.isNaN(shift)
    ? ""
    : `, HL shift ${shift >= 0 ? "+" : ""}${formatValue(shift, unit)}`;
  const deltaText = `mean ${meanDelta >= 0 ? "+" : ""}${formatValue(meanDelta, unit)}`;
  const stats = `mean ratio ${significant(meanRatio)}× (${deltaText})${shiftText}; Mann–Whitney U=${test.u} ${alternative === "two-sided" ? "two-sided" : "one-sided"} p=${formatP(test.pValue)}`;
  const ratioBound =
    direction === "decrease"
      ? `≤ ${significant(1 / minEffect)}×`
      : direction === "either"
        ? `beyond ${significant(minEffect)}× either way`
        : `≥ ${significant(minEffect)}×`;
  const effectBound =
    minDelta > 0 ? `${ratioBound} and a mean difference ≥ ${formatValue(minDelta, unit)}` : ratioBound;
  const head = `${metric}: ${values}, ${stats}`;
  if (test.pValue < alpha && worseBy) {
    return { verdict: "fail", explanation: `${head} < α=${alpha} and effect ${effectBound} → fail`, numbers };
  }
  if (test.pValue < alpha) {
    return {
      verdict: "pass",
      explanation: `${head} < α=${alpha} but the effect is not ${effectBound} (significant, too small to matter) → pass`,
      numbers,
    };
  }
  return {
    verdict: "pass",
    explanation: `${head} ≥ α=${alpha}: no significant ${direction === "either" ? "change" : direction} → pass`,
    numbers,
  };
}

/** An absolute floor in milliseconds in the metric's unit: as is for "ms", in seconds for "s", none otherwise. */
export function latencyFloor(unit: MetricUnit, floorMs: number): number {
  if (unit === "ms") return floorMs;
  if (unit === "s") return floorMs / 1000;
  return 0;
}

function describe(d: Distribution): { n: number; mean: number; median: number } {
  if (d.kind === "values") {
    const values = d.values.filter((v) => !Number.isNaN(v));
    return { n: values.length, mean: mean(values), median: median(values) };
  }
  const h = d.histogram;
  return { n: h.count, mean: h.count > 0 ? h.sum / h.count : Number.NaN, median: histogramQuantile(h, 0.5) };
}

function toGroups(canary: Distribution, stable: Distribution): GroupedValue[] {
  if (canary.kind === "values" && stable.kind === "values") return groupSamples(canary.values, stable.values);
  if (canary.kind === "histogram" && stable.kind === "histogram") {
    const a = bucketCounts(canary.histogram);
    const b = bucketCounts(stable.histogram);
    const sameLayout =
      canary.histogram.bucketsMs.length === stable.histogram.bucketsMs.length &&
      canary.histogram.bucketsMs.every((bound, i) => bound === stable.histogram.bucketsMs[i]);
    if (!sameLayout) throw new Error("canary and stable histograms have different bucket bounds");
    const bounds = a.upperBounds.length >= b.upperBounds.length ? a.upperBounds : b.upperBounds;
    return bounds
      .map((value, i) => ({ value, x: a.counts[i] ?? 0, y: b.counts[i] ?? 0 }))
      .filter((g) => g.x + g.y > 0);
  }
  throw new Error("cannot compare raw values with a histogram");
}
