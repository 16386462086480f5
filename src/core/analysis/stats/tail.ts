import { histogramQuantile, type CumulativeHistogram } from "./descriptive.js";
import { fisherExact, minExpectedCount, twoProportionZTest } from "./proportions.js";

export interface TailTest {
  /** The bucket bound the tails are counted above (the first bound at or above stable's quantile). */
  boundMs: number;
  canaryAbove: number;
  stableAbove: number;
  pValue: number;
  test: string;
}

/**
 * Is the canary's upper tail heavier than stable's? Counts each side's requests above the first
 * bucket bound at or above stable's q-quantile (exact from cumulative histograms, no interpolation)
 * and tests the two proportions one-sided: Fisher exact when an expected cell is below 5, else the
 * pooled z-test. Under "same distribution" both shares are about 1 − q, so a significant excess
 * means the canary's percentile really moved. Undefined when the layouts differ or a side is empty.
 */
export function tailTest(
  canary: CumulativeHistogram,
  stable: CumulativeHistogram,
  q: number,
): TailTest | undefined {
  if (canary.count === 0 || stable.count === 0) return undefined;
  const sameLayout =
    canary.bucketsMs.length === stable.bucketsMs.length &&
    canary.bucketsMs.every((bound, i) => bound === stable.bucketsMs[i]);
  if (!sameLayout) return undefined;
  const quantile = histogramQuantile(stable, q);
  const i = stable.bucketsMs.findIndex((bound) => bound >= quantile);
  if (i < 0) return undefined;
  const boundMs = stable.bucketsMs[i] as number;
  const canaryAbove = canary.count - (canary.counts[i] ?? 0);
  const stableAbove = stable.count - (stable.counts[i] ?? 0);
  const a = { x: canaryAbove, n: canary.count };
  const b = { x: stableAbove, n: stable.count };
  if (minExpectedCount(a, b) < 5) {
    return {
      boundMs,
      canaryAbove,
      stableAbove,
      pValue: fisherExact(a, b, "greater"),
      test: "tail Fisher exact",
    };
  }
  return {
    boundMs,
    canaryAbove,
    stableAbove,
    pValue: twoProportionZTest(a, b, "greater").pValue,
    test: "tail z-test",
  };
}
