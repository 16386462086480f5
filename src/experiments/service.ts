import { SlipwayError } from "../core/errors.js";
import { experimentResults, type ExperimentResults } from "../core/experiments/index.js";
import type { FlagView } from "../flags/catalog.js";
import type { StoredFlagChange, StoredFlagDefinition } from "../store/ports/flag-store.js";
import type {
  ExperimentMetric,
  ExperimentStore,
  Exposure,
  ExposureBucket,
  MetricEvent,
  StoredExperiment,
  VariantTotals,
} from "../store/ports/experiment-store.js";
import { allocationOfTargeting } from "./allocation.js";
import { planTransition, type ExperimentAction } from "./lifecycle.js";

/** The part of the flag catalog experiments use: read a flag, rewrite it when shipping. */
export interface ExperimentFlags {
  get(key: string): FlagView | undefined;
  put(
    key: string,
    definition: unknown,
    by: { actor: string; reason: string },
  ): Promise<StoredFlagChange | undefined>;
}

export interface ExperimentDeps {
  store: ExperimentStore;
  flags: ExperimentFlags;
  now(): number;
}

export interface NewExperiment {
  key: string;
  flagKey: string;
  description?: string;
  control?: string;
  /** Variant → weight; default: the flag's fractional split, or equal weights over `variants`. */
  allocation?: Record<string, number>;
  variants?: string[];
  metrics: ExperimentMetric[];
}

/** One event of the providers' batches (`POST /api/flags/events`). */
export type FlagEvent =
  | {
      kind: "exposure";
      flagKey: string;
      variant: string | null;
      targetingKey: string | null;
      timestamp: string;
    }
  | {
      kind: "conversion";
      name: string;
      targetingKey: string | null;
      details?: Record<string, unknown>;
      timestamp: string;
    };

export interface IngestReport {
  exposures: { recorded: number; repeated: number; conflicting: number; ignored: number };
  conversions: { counted: number; ignored: number };
}

export interface MetricResults extends ExperimentResults {
  metric: ExperimentMetric;
  /** Users with at least one event of the metric, per variant (same order as `variants`). */
  converted: number[];
}

export interface ExperimentReport {
  experiment: StoredExperiment;
  /** One per metric, the primary first; the primary's winner is the experiment's. */
  metrics: MetricResults[];
  series: { bucketMs: number; buckets: ExposureBucket[] };
}

const bad = (message: string) => new SlipwayError("SLIPWAY_INVALID_ARGUMENT", message);

function flagOrThrow(deps: ExperimentDeps, key: string): FlagView {
  const flag = deps.flags.get(key);
  if (!flag) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no flag "${key}"`);
  return flag;
}

/** Validates a new experiment against its flag and stores it as a draft. */
export async function createExperiment(
  deps: ExperimentDeps,
  input: NewExperiment,
  actor: string,
): Promise<StoredExperiment> {
  const flag = flagOrThrow(deps, input.flagKey);
  const flagVariants = Object.keys(flag.variants);
  const allocation =
    input.allocation ??
    (input.variants
      ? Object.fromEntries(input.variants.map((v) => [v, 1]))
      : (allocationOfTargeting(flag.targeting) ?? Object.fromEntries(flagVariants.map((v) => [v, 1]))));
  const variants = Object.keys(allocation);
  const unknown = variants.filter((v) => !flagVariants.includes(v));
  if (unknown.length > 0) {
    throw bad(
      `variants ${unknown.map((v) => `"${v}"`).join(", ")} are not variants of flag "${flag.key}" (it has ${flagVariants.join(", ")})`,
    );
  }
  if (variants.length < 2)
    throw bad(`an experiment compares at least two variants, got ${variants.join(", ") || "none"}`);
  if (!Object.values(allocation).some((w) => w > 0))
    throw bad("at least one allocation weight must be above 0");
  const control =
    input.control ??
    (flag.defaultVariant && variants.includes(flag.defaultVariant) ? flag.defaultVariant : variants[0]!);
  if (!variants.includes(control))
    throw bad(`control "${control}" is not among the experiment's variants (${variants.join(", ")})`);
  const events = input.metrics.map((m) => m.event);
  const repeated = events.find((e, i) => events.indexOf(e) !== i);
  if (repeated) throw bad(`metric "${repeated}" is listed twice`);
  const experiment: StoredExperiment = {
    key: input.key,
    flagKey: flag.key,
    description: input.description ?? "",
    control,
    allocation,
    metrics: input.metrics,
    status: "draft",
    createdAt: new Date(deps.now()).toISOString(),
    createdBy: actor,
    startedAt: null,
    stoppedAt: null,
    shippedVariant: null,
  };
  if (!(await deps.store.create(experiment))) {
    throw new SlipwayError("SLIPWAY_CONFLICT", `an experiment "${input.key}" exists already`);
  }
  return experiment;
}

export async function experimentOrThrow(deps: ExperimentDeps, key: string): Promise<StoredExperiment> {
  const experiment = await deps.store.get(key);
  if (!experiment) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no experiment "${key}"`);
  return experiment;
}

/**
 * Start, stop or ship. Shipping makes the variant the flag's default for everyone (targeting
 * removed), as a flag change with the same actor and reason; the experiment ends with it.
 */
export async function changeExperiment(
  deps: ExperimentDeps,
  key: string,
  action: ExperimentAction,
  by: { actor: string; reason: string; variant?: string },
): Promise<{ experiment: StoredExperiment; flagChange?: StoredFlagChange }> {
  const experiment = await experimentOrThrow(deps, key);
  const at = new Date(deps.now()).toISOString();
  const plan = planTransition(experiment, action, at, by.variant);
  if (!plan.ok) throw new SlipwayError("SLIPWAY_CONFLICT", plan.reason);
  let flagChange: StoredFlagChange | undefined;
  if (action === "start") {
    const other = (await deps.store.list()).find(
      (e) => e.status === "running" && e.flagKey === experiment.flagKey,
    );
    if (other) {
      throw new SlipwayError(
        "SLIPWAY_CONFLICT",
        `experiment "${other.key}" already runs on flag "${experiment.flagKey}": stop it first`,
      );
    }
    flagOrThrow(deps, experiment.flagKey);
  }
  if (action === "ship") {
    const variant = by.variant;
    if (variant === undefined || !(variant in experiment.allocation)) {
      throw bad(`say which variant to ship: one of ${Object.keys(experiment.allocation).join(", ")}`);
    }
    const flag = flagOrThrow(deps, experiment.flagKey);
    if (flag.source !== "api") {
      throw new SlipwayError(
        "SLIPWAY_CONFLICT",
        `flag "${flag.key}" is defined in ${flag.file ?? "a repository file"}: ship by editing that file`,
      );
    }
    const definition: StoredFlagDefinition = {
      state: "ENABLED",
      variants: flag.variants,
      defaultVariant: variant,
      ...(flag.metadata && { metadata: flag.metadata }),
    };
    flagChange = await deps.flags.put(flag.key, definition, {
      actor: by.actor,
      reason: `ship ${variant} of experiment ${experiment.key}: ${by.reason}`,
    });
  }
  if (!(await deps.store.transition(key, plan.from, plan.to))) {
    throw new SlipwayError("SLIPWAY_CONFLICT", `experiment "${key}" changed meanwhile; reload and retry`);
  }
  return { experiment: { ...experiment, ...plan.to }, ...(flagChange && { flagChange }) };
}

/**
 * Turns the providers' events into first exposures and metric events of the running experiments.
 * An exposure counts for the running experiment on its flag when it names a user and one of the
 * experiment's variants; a conversion for every running experiment measuring its name.
 */
export async function ingestEvents(
  deps: ExperimentDeps,
  events: readonly FlagEvent[],
): Promise<IngestReport> {
  const running = (await deps.store.list()).filter((e) => e.status === "running");
  const byFlag = new Map(running.map((e) => [e.flagKey, e]));
  const exposures: Exposure[] = [];
  const metricEvents: MetricEvent[] = [];
  const report: IngestReport = {
    exposures: { recorded: 0, repeated: 0, conflicting: 0, ignored: 0 },
    conversions: { counted: 0, ignored: 0 },
  };
  for (const event of events) {
    const at = Date.parse(event.timestamp);
    if (event.kind === "exposure") {
      const experiment = byFlag.get(event.flagKey);
      if (
        !experiment ||
        event.targetingKey === null ||
        event.variant === null ||
        !(event.variant in experiment.allocation)
      ) {
        report.exposures.ignored++;
        continue;
      }
      exposures.push({ experiment: experiment.key, user: event.targetingKey, variant: event.variant, at });
      continue;
    }
    let used = false;
    for (const experiment of running) {
      const metric = experiment.metrics.find((m) => m.event === event.name);
      if (!metric || event.targetingKey === null) continue;
      const value = metric.kind === "conversion" ? 1 : Number(event.details?.value);
      if (!Number.isFinite(value)) continue;
      metricEvents.push({
        experiment: experiment.key,
        event: event.name,
        user: event.targetingKey,
        value,
        at,
      });
      used = true;
    }
    if (!used) report.conversions.ignored++;
  }
  // Exposures first: a batch often carries a user's exposure and, after it, their conversion.
  if (exposures.length > 0) {
    const recorded = await deps.store.recordExposures(exposures);
    report.exposures = { ...recorded, ignored: report.exposures.ignored };
  }
  if (metricEvents.length > 0) {
    const counted = await deps.store.recordEvents(metricEvents);
    report.conversions.counted = counted;
    report.conversions.ignored += metricEvents.length - counted;
  }
  return report;
}

/** Buckets of about 1/40 of the experiment's run, rounded to a readable step. */
const STEPS_MS = [1_000, 10_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000];
export function bucketFor(spanMs: number): number {
  return STEPS_MS.find((s) => s * 40 >= spanMs) ?? 86_400_000;
}

/** Results of every metric, computed with src/core/experiments from three sums per variant. */
export function resultsOf(
  experiment: StoredExperiment,
  metric: ExperimentMetric,
  totals: readonly VariantTotals[],
): MetricResults {
  const variants = Object.keys(experiment.allocation);
  const byVariant = new Map(totals.map((t) => [t.variant, t]));
  const arms = variants.map((variant) => {
    const t = byVariant.get(variant);
    const n = t?.exposures ?? 0;
    const converted = t?.converted ?? 0;
    // A conversion is 0 or 1 per user: the sum and the sum of squares are the converted users.
    const arm =
      metric.kind === "conversion"
        ? { n, sum: converted, sumOfSquares: converted }
        : { n, sum: t?.sum ?? 0, sumOfSquares: t?.sumOfSquares ?? 0 };
    return { variant, weight: experiment.allocation[variant]!, arm, converted };
  });
  const results = experimentResults({
    control: experiment.control,
    variants: arms,
    direction: metric.direction,
  });
  return { metric, ...results, converted: arms.map((a) => a.converted) };
}

export async function experimentReport(deps: ExperimentDeps, key: string): Promise<ExperimentReport> {
  const experiment = await experimentOrThrow(deps, key);
  const metrics: MetricResults[] = [];
  for (const metric of experiment.metrics) {
    metrics.push(resultsOf(experiment, metric, await deps.store.totals(key, metric)));
  }
  const start = experiment.startedAt ? Date.parse(experiment.startedAt) : deps.now();
  const end = experiment.stoppedAt ? Date.parse(experiment.stoppedAt) : deps.now();
  const bucketMs = bucketFor(end - start);
  return {
    experiment,
    metrics,
    series: { bucketMs, buckets: await deps.store.exposureSeries(key, bucketMs) },
  };
}
