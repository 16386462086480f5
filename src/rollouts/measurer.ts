import { pino } from "pino";
import { ANALYSIS_DEFAULTS } from "../core/analysis/defaults.js";
import type { MetricDefinition } from "../core/analysis/definition.js";
import { measurementFromError, measurementWaiting, type Measurement } from "../core/analysis/metric-run.js";
import {
  dueMeasurements,
  measurementWindow,
  withMeasurement,
  type DueMeasurement,
} from "../core/rollout/analysis-records.js";
import type { RevisionRef, Rollout } from "../core/rollout/types.js";
import type { Logger } from "../log.js";
import { createMetricProvider, type MetricProvider, type MetricSpec } from "../metrics/index.js";
import { takeMeasurement, type MeasureTargets } from "../metrics/measure.js";
import type { Runtime } from "../runtimes/port.js";
import type { RevisionStatsSource } from "../traffic/port.js";
import type { RolloutStore } from "../store/ports/rollout-store.js";

export interface MeasurerOptions {
  store: RolloutStore;
  /** Per-revision stats, read through the traffic port (the TrafficRouter). */
  stats: RevisionStatsSource;
  runtime: Pick<Runtime, "resources">;
  clock: () => number;
  logger?: Logger;
  /** Called after a measurement changed a rollout's document. */
  onChange: (rollout: Rollout) => void;
}

/** Extra time a provider gets beyond its own timeout before the measurement is called an error. */
const GRACE_MS = 2_000;
/** Proxy counters are snapshotted at most this often while analyses run (sliding windows). */
const SNAPSHOT_EVERY_MS = 1_000;

/**
 * Takes the measurements the rollouts' analysis records say are due, concurrently and outside the
 * controller's tick: at most one per (record, metric) in flight, each bounded by its metric's
 * timeout. The result is recorded through the pure bookkeeping (core/rollout/analysis-records.ts)
 * into the rollout's document, re-read at that moment so nothing committed meanwhile is lost.
 */
export class Measurer {
  private readonly provider: MetricProvider<MetricSpec> & {
    proxy?: { observe(): Promise<void> };
  };
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly log: Logger;
  private lastSnapshot = 0;

  constructor(private readonly options: MeasurerOptions) {
    this.log = options.logger ?? pino({ enabled: false });
    this.provider = createMetricProvider({
      proxyStats: { stats: () => options.stats.stats() },
      resources: options.runtime,
      now: options.clock,
    });
  }

  /** Snapshot every revision's proxy counters now (a window opens). Never throws. */
  async snapshot(): Promise<void> {
    this.lastSnapshot = this.options.clock();
    try {
      await this.provider.proxy?.observe();
    } catch (error) {
      this.log.warn({ err: error }, "cannot snapshot proxy stats");
    }
  }

  /** Start every due measurement of these rollouts that is not already running. */
  measure(rollouts: readonly Rollout[], now: number): void {
    let any = false;
    for (const rollout of rollouts) {
      if (!rollout.analysis?.some((r) => r.finishedAt === undefined)) continue;
      any = true;
      for (const due of dueMeasurements(rollout, now)) {
        const key = `${due.recordId}#${due.metric.name}`;
        if (this.inFlight.has(key)) continue;
        const run = this.takeOne(rollout, due).finally(() => this.inFlight.delete(key));
        this.inFlight.set(key, run);
      }
    }
    if (any && now - this.lastSnapshot >= SNAPSHOT_EVERY_MS) void this.snapshot();
  }

  /** Resolves when every measurement in flight is recorded (the controller is stopping). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Ask the metric's provider and judge; provider failures and bugs become error measurements. */
  private async measureNow(
    rollout: Rollout,
    def: MetricDefinition,
    window: { startMs: number; endMs: number },
  ): Promise<Measurement> {
    const clock = this.options.clock;
    const now = window.endMs;
    try {
      return await bounded(
        takeMeasurement(this.provider, def, targetsOf(rollout), window, clock),
        timeoutOf(def) + GRACE_MS,
        () =>
          measurementFromError(def.name, `no answer within ${timeoutOf(def) + GRACE_MS} ms`, now, clock()),
      );
    } catch (error) {
      // A judge or provider bug: record it as an error (counted, never a verdict) and log it.
      this.log.error({ err: error, rollout: rollout.id, metric: def.name }, "measurement failed");
      return measurementFromError(def.name, (error as Error).message, now, clock());
    }
  }

  private async takeOne(rollout: Rollout, due: DueMeasurement): Promise<void> {
    const clock = this.options.clock;
    const now = clock();
    const def = due.metric;
    const { warmingUpUntil, ...window } = measurementWindow(rollout, due, now);
    const measurement =
      warmingUpUntil === undefined
        ? await this.measureNow(rollout, def, window)
        : measurementWaiting(
            def.name,
            `waiting for the canary to warm up (compared with stable from ${secs(rollout.settings.analysisWarmUpMs ?? ANALYSIS_DEFAULTS.warmUpMs)} after its first traffic, ${secs(warmingUpUntil - now)} left)`,
            now,
            now,
          );
    // Read and write in one store transaction: a transition committed meanwhile is kept.
    const saved = await this.options.store.updateAnalysis(rollout.id, (current) =>
      withMeasurement(current, due.recordId, def.name, measurement),
    );
    if (saved) this.options.onChange(saved);
  }
}

const secs = (ms: number) => `${Math.ceil(ms / 1000)} s`;

function timeoutOf(def: MetricDefinition): number {
  const source = def.source as { timeoutMs?: number };
  return source.timeoutMs ?? ANALYSIS_DEFAULTS.providerTimeoutMs;
}

/** Template values of a revision: {{revision}}, {{version}}, {{service}}, {{env}}, {{environment}}. */
function varsOf(rollout: Rollout, ref: RevisionRef): Record<string, string> {
  return {
    revision: ref.id,
    version: ref.version,
    service: rollout.service,
    env: rollout.environment,
    environment: rollout.environment,
  };
}

function targetsOf(rollout: Rollout): MeasureTargets {
  return {
    canary: varsOf(rollout, rollout.candidate),
    ...(rollout.stable ? { stable: varsOf(rollout, rollout.stable) } : {}),
  };
}

/** The promise's value, or `late()` if it takes longer than `ms` (its eventual result is dropped). */
function bounded<T>(promise: Promise<T>, ms: number, late: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late()), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
