import type { SeriesPoint } from "../../core/rollout/series.js";

export type { RevisionRates, SeriesPoint } from "../../core/rollout/series.js";

/**
 * Each rollout's own time series (src/core/rollout/series.ts): the weights it set and the rates
 * the proxy saw, recorded by the controller while the rollout is unfinished and read by
 * GET /api/rollouts/{id}/series. Append-only, pruned to the newest rollouts' series.
 */
export interface RolloutSeriesStore {
  /** Records one point; a second point of the same rollout at the same `at` is ignored. */
  append(rolloutId: string, point: SeriesPoint): Promise<void>;
  /** The newest `limit` (SERIES_LIMIT) points of the rollout, oldest first; [] for an unknown one. */
  series(rolloutId: string, limit?: number): Promise<SeriesPoint[]>;
  /**
   * Drops every point of all but the `keep` rollouts recorded most recently (by their newest
   * point); answers how many points went.
   */
  prune(keep: number): Promise<number>;
}
