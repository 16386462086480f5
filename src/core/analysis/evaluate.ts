import { parseCondition } from "./condition.js";
import type { MetricDefinition } from "./definition.js";
import { ANALYSIS_DEFAULTS } from "./defaults.js";
import { judgeConditions } from "./judges/conditions.js";
import { judgeErrorRates } from "./judges/error-rate-comparison.js";
import { judgeDistributions, type Distribution } from "./judges/latency-comparison.js";
import { judgeRatio } from "./judges/ratio.js";
import { judgeThreshold } from "./judges/threshold.js";
import type { MetricSample } from "./sample.js";
import { samplePoints } from "./sample.js";
import { tailTest } from "./stats/tail.js";
import { summarize, type Statistic } from "./summary.js";
import type { Judgement, MetricUnit } from "./verdict.js";

/**
 * How a metric's measurement is judged. The controller measures the canary (and, for judges that
 * compare, the stable revision over the same window) and hands both samples to `judgeMeasurement`.
 */
export type JudgeSpec =
  | {
      kind: "threshold";
      statistic: Statistic;
      min?: number;
      max?: number;
      minSamples?: number;
      flatline?: "inconclusive" | "ignore";
    }
  | {
      kind: "ratio";
      statistic: Statistic;
      maxRatio?: number;
      minRatio?: number;
      minSamples?: number;
      /** Absolute floor in the metric's unit (default 100 for "ms"). */
      minDelta?: number;
      /** Significance level of the tail test on latency percentiles from histograms (default 0.01). */
      alpha?: number;
    }
  | {
      kind: "distribution";
      /** Which way is worse (default "increase"). */
      direction?: "increase" | "decrease" | "either";
      alpha?: number;
      minSamples?: number;
      minEffectRatio?: number;
      /** Absolute floor in the metric's unit (default 10 for "ms"). */
      minDelta?: number;
      flatline?: "inconclusive" | "pass";
    }
  | { kind: "error-rate"; alpha?: number; minSamples?: number; minIncrease?: number; minEffectRatio?: number }
  | { kind: "conditions"; successCondition?: string; failureCondition?: string };

export type JudgeKind = JudgeSpec["kind"];

/** Judges that need the stable revision's sample too. */
export function needsBaseline(judge: JudgeSpec): boolean {
  switch (judge.kind) {
    case "ratio":
    case "distribution":
    case "error-rate":
      return true;
    case "threshold":
    case "conditions":
      return false;
    default: {
      const never: never = judge;
      throw new Error(`unknown judge ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Judge one measurement. For "distribution", the proxy's latency histogram is used when the sample
 * has one, otherwise every data point (range-query points) is an observation.
 */
export function judgeMeasurement(
  metric: string,
  judge: JudgeSpec,
  canary: MetricSample,
  stable: MetricSample | undefined,
  unit: MetricUnit = "none",
): Judgement {
  if (needsBaseline(judge) && stable === undefined) {
    throw new RangeError(
      `${metric}: the ${judge.kind} judge compares with the stable revision, but no stable sample was given`,
    );
  }
  switch (judge.kind) {
    case "threshold": {
      const c = summarize(canary, judge.statistic);
      return judgeThreshold(c, {
        metric,
        unit,
        observations: observationsOf(judge.statistic),
        ...pick(judge, ["min", "max", "minSamples", "flatline"]),
        ...(stable ? { stable: summarize(stable, judge.statistic) } : {}),
      });
    }
    case "ratio": {
      const significance = percentileSignificance(judge, canary, stable as MetricSample);
      return judgeRatio(
        summarize(canary, judge.statistic),
        summarize(stable as MetricSample, judge.statistic),
        {
          metric,
          unit,
          observations: observationsOf(judge.statistic),
          ...pick(judge, ["maxRatio", "minRatio", "minSamples", "minDelta"]),
          ...(significance ? { significance } : {}),
        },
      );
    }
    case "distribution":
      return judgeDistributions(distributionOf(canary), distributionOf(stable as MetricSample), {
        metric,
        unit,
        ...pick(judge, ["direction", "alpha", "minSamples", "minEffectRatio", "minDelta", "flatline"]),
      });
    case "error-rate":
      return judgeErrorRates(
        canary.requests ?? { total: 0, errors: 0 },
        (stable as MetricSample).requests ?? { total: 0, errors: 0 },
        {
          metric,
          ...pick(judge, ["alpha", "minSamples", "minIncrease", "minEffectRatio"]),
        },
      );
    case "conditions":
      return judgeConditions(canary, {
        metric,
        unit,
        ...(judge.successCondition !== undefined
          ? { successCondition: parseCondition(judge.successCondition) }
          : {}),
        ...(judge.failureCondition !== undefined
          ? { failureCondition: parseCondition(judge.failureCondition) }
          : {}),
      });
    default: {
      const never: never = judge;
      throw new Error(`unknown judge ${JSON.stringify(never)}`);
    }
  }
}

/** What one observation of a statistic is, for "waiting for 50 requests on the canary". */
function observationsOf(statistic: Statistic): string {
  return statistic === "error-rate" || statistic === "request-count" || statistic.startsWith("latency-")
    ? "requests"
    : "observations";
}

/**
 * A latency percentile compared from the proxy's histograms can be tested: is the canary's share
 * of requests above stable's percentile significantly larger (tailTest)? Undefined otherwise.
 */
function percentileSignificance(
  judge: Extract<JudgeSpec, { kind: "ratio" }>,
  canary: MetricSample,
  stable: MetricSample,
): { pValue: number; alpha: number; test: string } | undefined {
  const q = TAIL_QUANTILE[judge.statistic];
  if (q === undefined || !canary.latency || !stable.latency) return undefined;
  const t = tailTest(canary.latency, stable.latency, q);
  if (!t) return undefined;
  return {
    pValue: t.pValue,
    alpha: judge.alpha ?? ANALYSIS_DEFAULTS.alpha,
    test: `${t.test} (${t.canaryAbove}/${canary.latency.count} vs ${t.stableAbove}/${stable.latency.count} above ${t.boundMs} ms)`,
  };
}

const TAIL_QUANTILE: Partial<Record<Statistic, number>> = {
  "latency-p50": 0.5,
  "latency-p90": 0.9,
  "latency-p95": 0.95,
  "latency-p99": 0.99,
};

function distributionOf(sample: MetricSample): Distribution {
  return sample.latency
    ? { kind: "histogram", histogram: sample.latency }
    : { kind: "values", values: samplePoints(sample) };
}

/** Copy only the keys that are set, so `exactOptionalPropertyTypes`-style defaults still apply. */
function pick<T extends object, K extends keyof T>(obj: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}

/**
 * The seeds' rollback triggers as default canary metrics, all on data Slipway has without
 * Prometheus (the proxy's counters, the runtime's resources). Every number is in
 * ANALYSIS_DEFAULTS. Memory and CPU start as dry runs: the runtime sums them over instances, and a
 * canary usually runs fewer instances than stable (docs/analysis.md).
 */
export function defaultCanaryMetrics(intervalMs: number = ANALYSIS_DEFAULTS.intervalMs): MetricDefinition[] {
  const proxy = { provider: "proxy" } as const;
  const run = (name: string, dryRun = false) => ({
    name,
    intervalMs,
    dryRun,
    onInconclusive: "pause" as const,
  });
  const metric = (
    name: string,
    unit: MetricUnit,
    source: MetricDefinition["source"],
    judge: JudgeSpec,
    dryRun = false,
  ): MetricDefinition => ({
    name,
    unit,
    source,
    judge,
    run: run(name, dryRun),
  });
  const D = ANALYSIS_DEFAULTS;
  return [
    metric("error rate", "ratio", proxy, {
      kind: "threshold",
      statistic: "error-rate",
      max: D.maxErrorRate,
      minSamples: D.minSamples,
    }),
    metric("error rate vs stable", "ratio", proxy, { kind: "error-rate" }),
    metric("latency p95", "ms", proxy, {
      kind: "threshold",
      statistic: "latency-p95",
      max: D.maxLatencyP95Ms,
      minSamples: D.minSamples,
    }),
    metric("latency p95 vs stable", "ms", proxy, {
      kind: "ratio",
      statistic: "latency-p95",
      maxRatio: D.maxRatioToBaseline,
      minSamples: D.minSamples,
    }),
    metric("latency vs stable", "ms", proxy, { kind: "distribution", direction: "increase" }),
    metric(
      "memory vs stable",
      "bytes",
      { provider: "resources", resource: "memory" },
      { kind: "ratio", statistic: "value", maxRatio: D.maxRatioToBaseline },
      true,
    ),
    metric(
      "cpu vs stable",
      "percent",
      { provider: "resources", resource: "cpu" },
      { kind: "ratio", statistic: "value", maxRatio: D.maxRatioToBaseline },
      true,
    ),
  ];
}
