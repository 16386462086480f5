import type { MetricSample } from "./sample.js";
import { samplePoints } from "./sample.js";
import { histogramQuantile, isFlat, mean, percentile } from "./stats/descriptive.js";

/**
 * Reduce a sample to the one number a threshold or ratio judge compares, with how many
 * observations stand behind it. `noData` says why there is no number, so the judge can say it.
 */
export type Statistic =
  | "value"
  | "mean"
  | "min"
  | "max"
  | "p50"
  | "p90"
  | "p95"
  | "p99"
  | "error-rate"
  | "request-count"
  | "latency-mean"
  | "latency-p50"
  | "latency-p90"
  | "latency-p95"
  | "latency-p99"
  | "exit-code"
  | "checks-passed";

export const STATISTICS: readonly Statistic[] = [
  "value",
  "mean",
  "min",
  "max",
  "p50",
  "p90",
  "p95",
  "p99",
  "error-rate",
  "request-count",
  "latency-mean",
  "latency-p50",
  "latency-p90",
  "latency-p95",
  "latency-p99",
  "exit-code",
  "checks-passed",
];

export interface Summary {
  value: number;
  /** Observations behind the value: data points, requests, or checks. */
  n: number;
  /** Two or more points, all equal: the metric may have stopped updating. */
  flat: boolean;
  /** Why there is no value ("no data points", "no traffic: 0 requests in the window"). */
  noData?: string;
  /** The value is missing for want of traffic (more time may bring it), not a broken metric. */
  noTraffic?: true;
}

const PERCENTILE: Record<string, number> = { p50: 50, p90: 90, p95: 95, p99: 99 };

export function summarize(sample: MetricSample, statistic: Statistic): Summary {
  switch (statistic) {
    case "value": {
      const first = sample.series[0];
      const points = first ? first.points.map(([, v]) => v) : sample.values;
      const value = first ? (points[points.length - 1] ?? Number.NaN) : (sample.values[0] ?? Number.NaN);
      return withNoData(value, points.length, points, "the query returned no data");
    }
    case "mean":
    case "min":
    case "max":
    case "p50":
    case "p90":
    case "p95":
    case "p99": {
      const points = samplePoints(sample).filter((v) => !Number.isNaN(v));
      let value: number;
      if (points.length === 0) value = Number.NaN;
      else if (statistic === "mean") value = mean(points);
      else if (statistic === "min") value = Math.min(...points);
      else if (statistic === "max") value = Math.max(...points);
      else value = percentile(points, PERCENTILE[statistic] as number);
      return withNoData(value, points.length, points, "the query returned no data points");
    }
    case "error-rate":
    case "request-count": {
      const r = sample.requests;
      if (!r)
        return { value: Number.NaN, n: 0, flat: false, noData: "the provider reports no request counts" };
      if (r.total === 0) {
        return {
          value: Number.NaN,
          n: 0,
          flat: false,
          noData: "no traffic: 0 requests in the window",
          noTraffic: true,
        };
      }
      return { value: statistic === "error-rate" ? r.errors / r.total : r.total, n: r.total, flat: false };
    }
    case "latency-mean":
    case "latency-p50":
    case "latency-p90":
    case "latency-p95":
    case "latency-p99": {
      const h = sample.latency;
      if (!h)
        return { value: Number.NaN, n: 0, flat: false, noData: "the provider reports no latency histogram" };
      if (h.count === 0) {
        return {
          value: Number.NaN,
          n: 0,
          flat: false,
          noData: "no traffic: 0 requests in the window",
          noTraffic: true,
        };
      }
      const value =
        statistic === "latency-mean"
          ? h.sum / h.count
          : histogramQuantile(h, (PERCENTILE[statistic.slice("latency-".length)] as number) / 100);
      return { value, n: h.count, flat: false };
    }
    case "exit-code":
      return sample.exitCode === undefined
        ? { value: Number.NaN, n: 0, flat: false, noData: "the provider reports no exit code" }
        : { value: sample.exitCode, n: 1, flat: false };
    case "checks-passed": {
      const checks = sample.checks ?? [];
      if (checks.length === 0) return { value: Number.NaN, n: 0, flat: false, noData: "no checks were run" };
      return { value: checks.filter((c) => c.ok).length / checks.length, n: checks.length, flat: false };
    }
    default: {
      const never: never = statistic;
      throw new Error(`unknown statistic ${String(never)}`);
    }
  }
}

function withNoData(value: number, n: number, points: readonly number[], why: string): Summary {
  const flat = points.length >= 2 && isFlat(points);
  if (n === 0 || Number.isNaN(value))
    return { value: Number.NaN, n, flat, noData: n === 0 ? why : "the value is NaN" };
  return { value, n, flat };
}
