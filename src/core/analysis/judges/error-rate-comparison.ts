import { ANALYSIS_DEFAULTS } from "../defaults.js";
import { fisherExact, minExpectedCount, twoProportionZTest } from "../stats/proportions.js";
import {
  formatP,
  formatValue,
  jsonNumber,
  significant,
  waitingText,
  type Judgement,
  type WaitingFor,
} from "../verdict.js";

export interface RequestCounts {
  total: number;
  errors: number;
}

export interface ErrorRateComparisonOptions {
  /** Default "error rate". */
  metric?: string;
  /** Significance level of the one-sided test (default 0.01). */
  alpha?: number;
  /** Requests needed on each side (default 50). */
  minSamples?: number;
  /** Smallest absolute increase of the error rate that may fail the canary (default 0.01 = 1 point). */
  minIncrease?: number;
  /** Smallest relative increase, canary rate / stable rate (default 1.25); a 0 % stable rate always meets it. */
  minEffectRatio?: number;
}

/**
 * Is the canary's error rate higher than stable's over the same window? One-sided pooled
 * two-proportion z-test, or Fisher's exact test when an expected cell count is below 5 (where
 * the normal approximation is poor), gated by minimum requests and a minimum absolute increase.
 */
export function judgeErrorRates(
  canary: RequestCounts,
  stable: RequestCounts,
  options: ErrorRateComparisonOptions = {},
): Judgement {
  const metric = options.metric ?? "error rate";
  const alpha = options.alpha ?? ANALYSIS_DEFAULTS.alpha;
  const minSamples = options.minSamples ?? ANALYSIS_DEFAULTS.minSamples;
  const minIncrease = options.minIncrease ?? ANALYSIS_DEFAULTS.minErrorRateIncrease;
  const minRatio = options.minEffectRatio ?? ANALYSIS_DEFAULTS.minEffectRatio;
  const p1 = canary.total > 0 ? canary.errors / canary.total : Number.NaN;
  const p2 = stable.total > 0 ? stable.errors / stable.total : Number.NaN;
  const values = `canary ${formatValue(p1, "ratio")} (${canary.errors}/${canary.total}) vs stable ${formatValue(p2, "ratio")} (${stable.errors}/${stable.total})`;
  const numbers: Judgement["numbers"] = {
    canaryErrors: canary.errors,
    canaryTotal: canary.total,
    stableErrors: stable.errors,
    stableTotal: stable.total,
    canaryRate: jsonNumber(p1),
    stableRate: jsonNumber(p2),
    difference: jsonNumber(p1 - p2),
    cohensH: jsonNumber(2 * Math.asin(Math.sqrt(p1)) - 2 * Math.asin(Math.sqrt(p2))),
    alpha,
    minSamples,
    minIncrease,
    minEffectRatio: minRatio,
  };
  if (canary.total < minSamples || stable.total < minSamples) {
    // More traffic fixes this: the measurement waits instead of giving a verdict.
    const waitingFor: WaitingFor = {
      side: canary.total < minSamples ? "canary" : "stable",
      what: "requests",
      needed: minSamples,
      have: canary.total < minSamples ? canary.total : stable.total,
    };
    return { verdict: "waiting", explanation: `${metric}: ${waitingText(waitingFor)}`, numbers, waitingFor };
  }
  const a = { x: canary.errors, n: canary.total };
  const b = { x: stable.errors, n: stable.total };
  const useFisher = minExpectedCount(a, b) < 5;
  let p: number;
  let testText: string;
  if (useFisher) {
    p = fisherExact(a, b, "greater");
    testText = `Fisher exact one-sided p=${formatP(p)}`;
    numbers.test = "fisher-exact";
  } else {
    const z = twoProportionZTest(a, b, "greater");
    p = z.pValue;
    testText = `two-proportion z-test z=${z.z.toFixed(2)} one-sided p=${formatP(p)}`;
    numbers.test = "two-proportion-z";
    numbers.z = z.z;
  }
  numbers.pValue = p;
  const increase = p1 - p2;
  const ratio = p2 === 0 ? (p1 > 0 ? Number.POSITIVE_INFINITY : 1) : p1 / p2;
  numbers.ratio = jsonNumber(ratio);
  const points = `${increase >= 0 ? "+" : ""}${(increase * 100).toFixed(1)} pp`;
  const ratioText = Number.isFinite(ratio) ? `${significant(ratio)}×` : "∞× (stable 0)";
  const bound = `+${(minIncrease * 100).toFixed(1)} pp and ${significant(minRatio)}× stable's rate`;
  const head = `${metric}: ${values}, ${testText}`;
  const matters = increase >= minIncrease && ratio >= minRatio;
  if (p < alpha && matters) {
    return {
      verdict: "fail",
      explanation: `${head} < α=${alpha}, ${points} (${ratioText}) reaches ${bound} → fail`,
      numbers,
    };
  }
  if (p < alpha) {
    return {
      verdict: "pass",
      explanation: `${head} < α=${alpha} but ${points} (${ratioText}) is below ${bound} (significant, too small to matter) → pass`,
      numbers,
    };
  }
  return { verdict: "pass", explanation: `${head} ≥ α=${alpha}: no significant increase → pass`, numbers };
}
