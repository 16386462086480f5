import type { MetricDefinition } from "../core/analysis/definition.js";
import { judgeMeasurement, needsBaseline } from "../core/analysis/evaluate.js";
import {
  measurementFromError,
  measurementFromJudgement,
  type Measurement,
} from "../core/analysis/metric-run.js";
import { specFor, type MetricSpec } from "./index.js";
import { isMetricQueryError, type MetricProvider, type MetricWindow, type TemplateVars } from "./provider.js";

/** The revisions a measurement is about: the canary, and the stable revision to compare with (if any). */
export interface MeasureTargets {
  canary: TemplateVars;
  stable?: TemplateVars;
}

/**
 * Take one measurement of a metric: query the canary (and stable, over the same window, when the
 * judge compares), judge it, and return a Measurement for `recordMeasurement`. A provider failure
 * becomes an "error" measurement; a comparison without a stable revision (a first deploy) is
 * inconclusive and says so. Anything else thrown is a bug and propagates.
 */
export async function takeMeasurement(
  provider: MetricProvider<MetricSpec>,
  def: MetricDefinition,
  targets: MeasureTargets,
  window: MetricWindow,
  now: () => number = Date.now,
): Promise<Measurement> {
  const startedAt = now();
  const compares = needsBaseline(def.judge);
  if (compares && targets.stable === undefined) {
    return {
      phase: "inconclusive",
      startedAt,
      finishedAt: now(),
      explanation: `${def.name}: no stable revision to compare with (first deploy?); the ${def.judge.kind} judge needs one → inconclusive`,
    };
  }
  try {
    const [canary, stable] = await Promise.all([
      provider.query(specFor(def.source, targets.canary), window),
      compares && targets.stable
        ? provider.query(specFor(def.source, targets.stable), window)
        : Promise.resolve(undefined),
    ]);
    return measurementFromJudgement(
      judgeMeasurement(def.name, def.judge, canary, stable, def.unit),
      startedAt,
      now(),
    );
  } catch (error) {
    if (isMetricQueryError(error)) return measurementFromError(def.name, error.message, startedAt, now());
    throw error;
  }
}
