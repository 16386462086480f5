import { parseCondition } from "./condition.js";
import { ANALYSIS_DEFAULTS } from "./defaults.js";
import { judgeConditions } from "./judges/conditions.js";
import { judgeErrorRates } from "./judges/error-rate-comparison.js";
import { judgeDistributions, type Distribution } from "./judges/latency-comparison.js";
import { judgeRatio } from "./judges/ratio.js";
import { judgeThreshold } from "./judges/threshold.js";
import type { MetricSample } from "./sample.js";
import { samplePoints } from "./sample.js";
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
  | { kind: "ratio"; statistic: Statistic; maxRatio?: number; minRatio?: number; minSamples?: number }
  | {
      kind: "distribution";
      /** Which way is worse (default "increase"). */
      direction?: "increase" | "decrease" | "either";
      alpha?: number;
      minSamples?: number;
      minEffectRatio?: number;
      flatline?: "inconclusive" | "pass";
    }
  | { kind: "error-rate"; alpha?: number; minSamples?: number; minIncrease?: number }
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
        ...pick(judge, ["min", "max", "minSamples", "flatline"]),
        ...(stable ? { stable: summarize(stable, judge.statistic) } : {}),
      });
    }
    case "ratio":
      return judgeRatio(
        summarize(canary, judge.statistic),
        summarize(stable as MetricSample, judge.statistic),
        {
          metric,
          unit,
          ...pick(judge, ["maxRatio", "minRatio", "minSamples"]),
        },
      );
    case "distribution":
      return judgeDistributions(distributionOf(canary), distributionOf(stable as MetricSample), {
        metric,
        unit,
        ...pick(judge, ["direction", "alpha", "minSamples", "minEffectRatio", "flatline"]),
      });
    case "error-rate":
      return judgeErrorRates(
        canary.requests ?? { total: 0, errors: 0 },
        (stable as MetricSample).requests ?? { total: 0, errors: 0 },
        {
          metric,
          ...pick(judge, ["alpha", "minSamples", "minIncrease"]),
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

/** A named metric on the proxy's own numbers, as the seeds' rollback triggers need them. */
export interface DefaultMetric {
  name: string;
  unit: MetricUnit;
  source: "proxy" | "resources-cpu" | "resources-memory";
  judge: JudgeSpec;
  /** Reported but not deciding (see docs/analysis.md for why resources start that way). */
  dryRun: boolean;
}

/**
 * The seeds' rollback triggers as default canary metrics, all on data Slipway has without
 * Prometheus. Every number is in ANALYSIS_DEFAULTS and can be overridden per metric.
 */
export function defaultCanaryMetrics(): DefaultMetric[] {
  return [
    {
      name: "error rate",
      unit: "ratio",
      source: "proxy",
      dryRun: false,
      judge: {
        kind: "threshold",
        statistic: "error-rate",
        max: ANALYSIS_DEFAULTS.maxErrorRate,
        minSamples: ANALYSIS_DEFAULTS.minSamples,
      },
    },
    {
      name: "error rate vs stable",
      unit: "ratio",
      source: "proxy",
      dryRun: false,
      judge: { kind: "error-rate" },
    },
    {
      name: "latency p95",
      unit: "ms",
      source: "proxy",
      dryRun: false,
      judge: {
        kind: "threshold",
        statistic: "latency-p95",
        max: ANALYSIS_DEFAULTS.maxLatencyP95Ms,
        minSamples: ANALYSIS_DEFAULTS.minSamples,
      },
    },
    {
      name: "latency p95 vs stable",
      unit: "ms",
      source: "proxy",
      dryRun: false,
      judge: {
        kind: "ratio",
        statistic: "latency-p95",
        maxRatio: ANALYSIS_DEFAULTS.maxRatioToBaseline,
        minSamples: ANALYSIS_DEFAULTS.minSamples,
      },
    },
    {
      name: "latency vs stable",
      unit: "ms",
      source: "proxy",
      dryRun: false,
      judge: { kind: "distribution", direction: "increase" },
    },
    {
      name: "memory vs stable",
      unit: "bytes",
      source: "resources-memory",
      dryRun: true,
      judge: { kind: "ratio", statistic: "value", maxRatio: ANALYSIS_DEFAULTS.maxRatioToBaseline },
    },
    {
      name: "cpu vs stable",
      unit: "percent",
      source: "resources-cpu",
      dryRun: true,
      judge: { kind: "ratio", statistic: "value", maxRatio: ANALYSIS_DEFAULTS.maxRatioToBaseline },
    },
  ];
}
