import type { CumulativeHistogram } from "./stats/descriptive.js";

/**
 * One measurement as a metric provider returns it (src/metrics/** produce these; the core only
 * reads them). The shape is the union of what providers can give: a result vector (Argo's
 * `result`), time series for range queries, request counts and a latency histogram from the
 * proxy, named checks from an HTTP probe, an exit code from a command.
 */
export interface MetricSample {
  /** Instant result: vector values in series order, or one value for a scalar; empty = no data. */
  values: number[];
  /** Range-query series (empty for instant queries). Points are [unix ms, value]. */
  series: MetricSeries[];
  /** The time span the measurement covers, unix ms. */
  window: { startMs: number; endMs: number };
  /** Requests finished in the window and how many of them failed (5xx). */
  requests?: { total: number; errors: number };
  /** Latency distribution in the window. */
  latency?: CumulativeHistogram;
  /** HTTP probe checks (status, JSON fields), each named as configured. */
  checks?: SampleCheck[];
  /** Command provider: the command's exit code. */
  exitCode?: number;
  /** One secrets-free line saying what was measured, e.g. "prometheus instant query sum(rate(...))". */
  source: string;
}

export interface MetricSeries {
  labels: Record<string, string>;
  points: [number, number][];
}

export interface SampleCheck {
  name: string;
  ok: boolean;
  /** e.g. "status 503, expected 200" or "$.status = \"ok\"". */
  detail: string;
}

/** Every data point a sample carries: range points if any, else the instant values. */
export function samplePoints(sample: MetricSample): number[] {
  if (sample.series.length > 0) return sample.series.flatMap((s) => s.points.map(([, v]) => v));
  return sample.values;
}
