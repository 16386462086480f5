import { SERIES_INTERVAL_MS, SERIES_KEEP_ROLLOUTS, seriesPoint } from "../core/rollout/series.js";
import type { Rollout, StatsSample } from "../core/rollout/types.js";
import type { Logger } from "../log.js";
import { RepeatedFailureGate } from "../log-repeats.js";
import type { RolloutSeriesStore } from "../store/ports/rollout-series-store.js";
import type { RolloutStore } from "../store/ports/rollout-store.js";

export interface SeriesRecorderDeps {
  store: Pick<RolloutStore, "traffic" | "getRollout">;
  series: RolloutSeriesStore;
  /** The proxy samples the controller keeps per revision (Observer.samplesOf). */
  samplesOf: (revisionId: string) => StatsSample[];
  logger: Logger;
  intervalMs?: number;
  /** Rollouts whose series is kept (SERIES_KEEP_ROLLOUTS). */
  keepRollouts?: number;
}

/**
 * Records each unfinished rollout's weights and rates (one point per SERIES_INTERVAL_MS), and one
 * last point when it finishes, so its page can show what it did after the environment moved on;
 * then drops the series of all but the newest SERIES_KEEP_ROLLOUTS rollouts. Recording is best effort: a failed write is logged and the next interval tries again; it never
 * fails or holds a rollout's transition.
 */
export class SeriesRecorder {
  private readonly lastAt = new Map<string, number>();
  private readonly failures = new RepeatedFailureGate(60_000);
  private readonly intervalMs: number;

  constructor(private readonly deps: SeriesRecorderDeps) {
    this.intervalMs = deps.intervalMs ?? SERIES_INTERVAL_MS;
  }

  /** Called every controller tick with the rollouts still unfinished. */
  async record(unfinished: Rollout[], now: number): Promise<void> {
    const current = new Set(unfinished.map((r) => r.id));
    for (const rollout of unfinished) {
      // Waiting for an approval can last days and moves nothing: no point to draw.
      if (rollout.phase === "awaiting-approval") continue;
      if (now - (this.lastAt.get(rollout.id) ?? Number.NEGATIVE_INFINITY) < this.intervalMs) continue;
      await this.append(rollout, now);
    }
    // Finished since the last tick: its final weights (the traffic it left behind).
    for (const id of [...this.lastAt.keys()]) {
      if (current.has(id)) continue;
      const done = await this.deps.store.getRollout(id).catch(() => undefined);
      if (done) await this.append(done, now);
      // One final point, written or not (the page then falls back to the outcome): forget it.
      this.lastAt.delete(id);
      await this.prune();
    }
  }

  /** Once per finished rollout: the table grows only while rollouts finish. */
  private async prune(): Promise<void> {
    try {
      await this.deps.series.prune(this.deps.keepRollouts ?? SERIES_KEEP_ROLLOUTS);
    } catch (error) {
      this.deps.logger.warn({ err: error }, "cannot prune the rollouts' series");
    }
  }

  private async append(rollout: Rollout, now: number): Promise<void> {
    try {
      const env = await this.deps.store.traffic(rollout.service, rollout.environment);
      const point = seriesPoint(
        rollout,
        env?.traffic ?? [],
        {
          candidate: this.deps.samplesOf(rollout.candidate.id),
          stable: rollout.stable ? this.deps.samplesOf(rollout.stable.id) : [],
        },
        now,
        this.intervalMs,
      );
      await this.deps.series.append(rollout.id, point);
      this.lastAt.set(rollout.id, now);
      this.failures.reset();
    } catch (error) {
      if (this.failures.pass("append", now) !== undefined)
        this.deps.logger.warn({ err: error, rollout: rollout.id }, "cannot record the rollout's series");
    }
  }
}
