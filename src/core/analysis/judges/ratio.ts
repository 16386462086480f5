import { ANALYSIS_DEFAULTS } from "../defaults.js";
import type { Summary } from "../summary.js";
import { formatValue, jsonNumber, significant, type Judgement, type MetricUnit } from "../verdict.js";

export interface RatioOptions {
  metric: string;
  unit?: MetricUnit;
  /** Fail when canary / stable exceeds this (default 2: seed 004's "more than 2x baseline"). */
  maxRatio?: number;
  /** Fail when canary / stable falls below this (for metrics where lower is worse, e.g. throughput). */
  minRatio?: number;
  /** Fewer observations on either side make the verdict inconclusive (default 1). */
  minSamples?: number;
}

/** Ratio to the baseline: canary value / stable value against a bound, e.g. p95 ≤ 2× stable's. */
export function judgeRatio(canary: Summary, stable: Summary, options: RatioOptions): Judgement {
  const { metric, unit = "none" } = options;
  const maxRatio =
    options.maxRatio ?? (options.minRatio === undefined ? ANALYSIS_DEFAULTS.maxRatioToBaseline : undefined);
  const minRatio = options.minRatio;
  const minSamples = options.minSamples ?? 1;
  const ratio = canary.value / stable.value;
  const numbers = {
    canary: jsonNumber(canary.value),
    stable: jsonNumber(stable.value),
    ratio: jsonNumber(ratio),
    maxRatio: maxRatio ?? null,
    minRatio: minRatio ?? null,
    canaryN: canary.n,
    stableN: stable.n,
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
  if (missing !== undefined || Number.isNaN(canary.value) || Number.isNaN(stable.value)) {
    return {
      verdict: "inconclusive",
      explanation: `${metric}: ${values}; no ratio (${missing ?? "NaN"}) → inconclusive`,
      numbers,
    };
  }
  if (canary.n < minSamples || stable.n < minSamples) {
    return {
      verdict: "inconclusive",
      explanation: `${metric}: ${values} from ${canary.n} and ${stable.n} observations, need ≥ ${minSamples} each → inconclusive`,
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
  if (maxRatio !== undefined && ratio > maxRatio) {
    return {
      verdict: "fail",
      explanation: `${metric}: ${values} = ${ratioText} stable, above ${maxRatio}× (ratio to baseline) → fail`,
      numbers,
    };
  }
  if (minRatio !== undefined && ratio < minRatio) {
    return {
      verdict: "fail",
      explanation: `${metric}: ${values} = ${ratioText} stable, below ${minRatio}× (ratio to baseline) → fail`,
      numbers,
    };
  }
  return {
    verdict: "pass",
    explanation: `${metric}: ${values} = ${ratioText} stable, within ${bound} (ratio to baseline) → pass`,
    numbers,
  };
}
