import type { MetricDefinition } from "../analysis/definition.js";
import { ANALYSIS_DEFAULTS } from "../analysis/defaults.js";
import { needsBaseline } from "../analysis/evaluate.js";
import {
  analysisOutcome,
  measurementDue,
  recordMeasurement,
  startMetricRun,
  terminateMetricRun,
  type AnalysisOutcome,
  type Measurement,
  type MetricRunSpec,
} from "../analysis/metric-run.js";
import type { AnalysisRecord, Rollout } from "./types.js";

/**
 * Bookkeeping of a rollout's analysis runs (`rollout.analysis`), pure: the controller takes the
 * measurements, these functions decide what they do to the records. A record's metric definitions
 * are not copied into it: they live in the rollout's settings (background) or in its canary step.
 */

/** Measurements kept per metric: enough for the dashboard to chart a step (Argo keeps 10). */
export const MEASUREMENT_RETENTION = 60;

export function runSpec(def: MetricDefinition): MetricRunSpec {
  return { ...def.run, measurementRetention: def.run.measurementRetention ?? MEASUREMENT_RETENTION };
}

/** The metric definitions behind a record. */
export function definitionsFor(rollout: Rollout, record: AnalysisRecord): MetricDefinition[] {
  if (record.step === undefined) return rollout.settings.metrics ?? [];
  const step = rollout.canary?.steps[record.step];
  return step?.kind === "analysis" ? step.metrics : [];
}

/** A new record with one running metric run per definition. */
export function startAnalysis(
  rollout: Rollout,
  defs: readonly MetricDefinition[],
  now: number,
  step?: number,
): AnalysisRecord {
  return {
    id: `${rollout.id}/a${(rollout.analysis?.length ?? 0) + 1}`,
    ...(step === undefined ? {} : { step }),
    startedAt: now,
    metrics: defs.map((d) => ({
      name: d.name,
      unit: d.unit,
      judge: d.judge.kind,
      dryRun: d.run.dryRun ?? false,
      state: startMetricRun(runSpec(d), now),
    })),
  };
}

/** What a record's metric runs say the rollout should do now. */
export function recordOutcome(rollout: Rollout, record: AnalysisRecord): AnalysisOutcome {
  const defs = definitionsFor(rollout, record);
  return analysisOutcome(
    record.metrics.map((m) => {
      const def = defs.find((d) => d.name === m.name);
      return { spec: def ? runSpec(def) : { name: m.name, dryRun: m.dryRun }, state: m.state };
    }),
  );
}

/** The background record (the newest one without a step), if any. */
export const backgroundRecord = (rollout: Rollout): AnalysisRecord | undefined =>
  rollout.analysis?.filter((r) => r.step === undefined).at(-1);

/** The record of analysis step `step` started at or after `since`, if any. */
export const stepRecord = (rollout: Rollout, step: number, since: number): AnalysisRecord | undefined =>
  rollout.analysis?.find((r) => r.step === step && r.startedAt >= since);

/** Replace one record (by id). */
export const replaceRecord = (
  analysis: readonly AnalysisRecord[] | undefined,
  record: AnalysisRecord,
): AnalysisRecord[] => (analysis ?? []).map((r) => (r.id === record.id ? record : r));

/** Mark a record decided, with the outcome that decided it. */
export function finishRecord(record: AnalysisRecord, outcome: AnalysisOutcome, now: number): AnalysisRecord {
  return { ...record, finishedAt: now, outcome };
}

/**
 * Records a measurement of `metric` in record `recordId`. Undefined when it changes nothing (the
 * record or the metric's run has ended meanwhile, or does not exist).
 */
export function withMeasurement(
  rollout: Rollout,
  recordId: string,
  metric: string,
  measurement: Measurement,
): AnalysisRecord[] | undefined {
  const record = rollout.analysis?.find((r) => r.id === recordId);
  if (!record || record.finishedAt !== undefined) return undefined;
  const def = definitionsFor(rollout, record).find((d) => d.name === metric);
  const entry = record.metrics.find((m) => m.name === metric);
  if (!def || !entry || entry.state.phase !== "running") return undefined;
  const state = recordMeasurement(runSpec(def), entry.state, measurement);
  return replaceRecord(rollout.analysis, {
    ...record,
    metrics: record.metrics.map((m) => (m.name === metric ? { ...m, state } : m)),
  });
}

/**
 * Ends every record still running (rollout promoted, aborted, step skipped): their metric runs are
 * terminated as Argo does (successful unless nothing succeeded yet) and the outcome is recorded.
 * Undefined when nothing was running.
 */
export function closeAnalysis(
  rollout: Rollout,
  reason: string,
  now: number,
  only?: (record: AnalysisRecord) => boolean,
): AnalysisRecord[] | undefined {
  const open = (rollout.analysis ?? []).filter((r) => r.finishedAt === undefined && (only?.(r) ?? true));
  if (open.length === 0) return undefined;
  return (rollout.analysis ?? []).map((r) => {
    if (!open.includes(r)) return r;
    const closed: AnalysisRecord = {
      ...r,
      metrics: r.metrics.map((m) => ({ ...m, state: terminateMetricRun(m.state, reason) })),
    };
    return finishRecord(closed, recordOutcome(rollout, closed), now);
  });
}

/** One measurement the controller should take now. */
export interface DueMeasurement {
  recordId: string;
  metric: MetricDefinition;
  /** When the record started: the analysis window never begins before it. */
  startedAt: number;
}

/**
 * The time span a due measurement judges: from the record's start (or the first traffic to the
 * canary, if later), at most the rollout's analysis window back. A judge that compares with stable
 * (a canary rollout) also skips the canary's warm-up: until it is over, `warmingUpUntil` says when
 * the comparison can start and the measurement waits.
 */
export function measurementWindow(
  rollout: Rollout,
  due: DueMeasurement,
  now: number,
): { startMs: number; endMs: number; warmingUpUntil?: number } {
  let startMs = Math.max(rollout.switchedAt ?? due.startedAt, now - rollout.settings.analysisWindowMs);
  if (rollout.strategy === "canary" && needsBaseline(due.metric.judge)) {
    const firstTraffic = rollout.switchedAt ?? due.startedAt;
    const warmedAt = firstTraffic + (rollout.settings.analysisWarmUpMs ?? ANALYSIS_DEFAULTS.warmUpMs);
    if (now < warmedAt) return { startMs: warmedAt, endMs: now, warmingUpUntil: warmedAt };
    startMs = Math.max(startMs, warmedAt);
  }
  return { startMs, endMs: now };
}

/** Measurements due at `now` in every open record of the rollout. */
export function dueMeasurements(rollout: Rollout, now: number): DueMeasurement[] {
  const due: DueMeasurement[] = [];
  for (const record of rollout.analysis ?? []) {
    if (record.finishedAt !== undefined) continue;
    const defs = definitionsFor(rollout, record);
    for (const m of record.metrics) {
      const def = defs.find((d) => d.name === m.name);
      if (def && measurementDue(m.state, now))
        due.push({ recordId: record.id, metric: def, startedAt: record.startedAt });
    }
  }
  return due;
}
