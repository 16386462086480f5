import { chiSquareSf } from "./chi-square.js";

/**
 * Sample-ratio mismatch: do the exposures per variant fit the allocation they were assigned with?
 * A mismatch (Pearson's chi-square goodness of fit, p below 0.001 as is usual in the field) means
 * assignment or logging is broken — a redirect that loses users, a bot filter on one arm — and every
 * other number of the experiment is suspect, however significant it looks.
 */
export const SAMPLE_RATIO_ALPHA = 0.001;

export interface SampleRatioCheck {
  observed: number[];
  expected: number[];
  chiSquare: number;
  degrees: number;
  pValue: number;
  mismatch: boolean;
}

export function sampleRatioCheck(
  observed: readonly number[],
  weights: readonly number[],
  alpha: number = SAMPLE_RATIO_ALPHA,
): SampleRatioCheck {
  if (observed.length !== weights.length || observed.length < 2) {
    throw new RangeError(
      `need one weight per variant and at least two variants, got ${observed.length} counts and ${weights.length} weights`,
    );
  }
  if (weights.some((w) => !(w >= 0)) || !weights.some((w) => w > 0)) {
    throw new RangeError(`weights must be ≥ 0 and not all 0, got ${weights.join(", ")}`);
  }
  const total = observed.reduce((a, b) => a + b, 0);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const expected = weights.map((w) => (total * w) / weightSum);
  const degrees = observed.length - 1;
  if (total === 0)
    return { observed: [...observed], expected, chiSquare: 0, degrees, pValue: 1, mismatch: false };
  // An arm with weight 0 that was exposed anyway is a mismatch outright (its expected count is 0).
  if (observed.some((o, i) => o > 0 && expected[i] === 0)) {
    return { observed: [...observed], expected, chiSquare: Infinity, degrees, pValue: 0, mismatch: true };
  }
  let chiSquare = 0;
  for (let i = 0; i < observed.length; i++) {
    if (expected[i]! > 0) chiSquare += (observed[i]! - expected[i]!) ** 2 / expected[i]!;
  }
  const pValue = chiSquareSf(chiSquare, degrees);
  return { observed: [...observed], expected, chiSquare, degrees, pValue, mismatch: pValue < alpha };
}
