// Pure helpers of the experiments pages: shapes of the API's answers, and the drawing scales.

export interface Interval {
  lower: number;
  upper: number;
}

export interface Experiment {
  key: string;
  flagKey: string;
  description: string;
  control: string;
  allocation: Record<string, number>;
  metrics: { event: string; kind: "conversion" | "value"; direction: "increase" | "decrease" }[];
  status: "draft" | "running" | "stopped" | "shipped";
  createdAt: string;
  createdBy: string;
  startedAt: string | null;
  stoppedAt: string | null;
  shippedVariant: string | null;
}

export interface VariantResult {
  variant: string;
  weight: number;
  exposures: number;
  value: number | null;
  lift: { estimate: number; interval: Interval } | null;
  alwaysValid: Interval | null;
  verdict: string;
}

export interface MetricResult {
  metric: Experiment["metrics"][number];
  variants: VariantResult[];
  converted: number[];
  sampleRatio: { pValue: number; mismatch: boolean; expected: number[]; observed: number[] };
  trustworthy: boolean;
  winner: string | null;
}

export interface Report {
  experiment: Experiment;
  metrics: MetricResult[];
  series: { bucketMs: number; buckets: { at: number; variant: string; exposures: number }[] };
}

export const percent = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined || !Number.isFinite(x) ? "–" : `${(x * 100).toFixed(digits)} %`;

export const signedPercent = (x: number): string => (x > 0 ? "+" : "") + percent(x);

/**
 * The common scale of a metric's interval plot: every drawn interval and 0 fit, with a margin.
 * Answers a function from a lift to an x in [0, width].
 */
export function liftScale(variants: readonly VariantResult[], width: number): (x: number) => number {
  const ends = [0];
  for (const v of variants) {
    for (const i of [v.lift?.interval, v.alwaysValid]) {
      if (i && Number.isFinite(i.lower) && Number.isFinite(i.upper)) ends.push(i.lower, i.upper);
    }
  }
  const lo = Math.min(...ends);
  const hi = Math.max(...ends);
  const pad = (hi - lo || 1) * 0.08;
  return (x) => ((x - (lo - pad)) / (hi - lo + 2 * pad)) * width;
}

/** Cumulative exposures per variant at each bucket's end, for the "exposures over time" chart. */
export function cumulativeSeries(
  buckets: Report["series"]["buckets"],
  variants: readonly string[],
): { at: number[]; counts: Record<string, number[]> } {
  const at = [...new Set(buckets.map((b) => b.at))].sort((a, b) => a - b);
  const counts: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
  const running: Record<string, number> = Object.fromEntries(variants.map((v) => [v, 0]));
  for (const t of at) {
    for (const b of buckets) if (b.at === t && b.variant in running) running[b.variant]! += b.exposures;
    for (const v of variants) counts[v]!.push(running[v]!);
  }
  return { at, counts };
}
