import { percentileMs, windowStats } from "./triggers.js";
import type { Rollout, StatsSample, Traffic } from "./types.js";

/**
 * A rollout's own history for its page: every few seconds while it is unfinished, the traffic
 * weights it had set and the request rates the proxy saw of its candidate and stable revisions.
 * The environment's split answers "what serves now"; this answers "what did this rollout do".
 */

/** How often a point is recorded per rollout (a 10-minute canary gives 300 points). */
export const SERIES_INTERVAL_MS = 2_000;
/** Points a reply holds at most (the newest), a little over an hour at SERIES_INTERVAL_MS. */
export const SERIES_LIMIT = 2_000;
/**
 * Rollouts whose series is kept (the most recently recorded); an older rollout's page shows its
 * outcome without the chart. A 10-minute canary is 300 points, so the table stays in the
 * hundreds of thousands of rows however long Slipway runs.
 */
export const SERIES_KEEP_ROLLOUTS = 1_000;

/** What the proxy saw of one revision over the interval before `at`. */
export interface RevisionRates {
  /** Requests per second. */
  rps: number;
  /** Share of 5xx responses (0.05 = 5 %); null without requests. */
  errorRate: number | null;
  /** p95 latency in ms from the proxy's buckets; null without requests or beyond the last bucket. */
  p95Ms: number | null;
}

export interface SeriesPoint {
  /** Epoch ms. */
  at: number;
  /** Percent of the environment's traffic each side had at `at` (stable null on a first deploy). */
  weights: { candidate: number; stable: number | null };
  /** Null when the proxy reported nothing for the revision over the interval. */
  candidate: RevisionRates | null;
  stable: RevisionRates | null;
}

/** Rates over the samples at or after `from`; null with fewer than two samples in range. Pure. */
export function ratesOf(samples: StatsSample[], from: number): RevisionRates | null {
  const w = windowStats(samples, from);
  if (!w || w.spanMs <= 0) return null;
  const p95 = w.requests > 0 ? percentileMs(w, 0.95) : undefined;
  return {
    rps: Math.round((w.requests / w.spanMs) * 1000 * 100) / 100,
    errorRate: w.requests > 0 ? w.errors5xx / w.requests : null,
    p95Ms: p95 !== undefined && Number.isFinite(p95) ? p95 : null,
  };
}

/** A revision's percent of the total weight in `traffic` (0 when absent). */
function percentOf(traffic: Traffic, revision: string): number {
  const total = traffic.reduce((sum, t) => sum + t.weight, 0);
  const mine = traffic.find((t) => t.revision === revision)?.weight ?? 0;
  return total > 0 ? Math.round((mine / total) * 1000) / 10 : 0;
}

/**
 * The point of `rollout` at `now`: its revisions' weights in the environment's desired traffic and
 * their rates over the last SERIES_INTERVAL_MS. Pure.
 * @example seriesPoint(rollout, env.traffic, { candidate: samplesOfV2, stable: samplesOfV1 }, now)
 */
export function seriesPoint(
  rollout: Pick<Rollout, "candidate" | "stable">,
  traffic: Traffic,
  samples: { candidate: StatsSample[]; stable: StatsSample[] },
  now: number,
  intervalMs = SERIES_INTERVAL_MS,
): SeriesPoint {
  const from = now - intervalMs;
  return {
    at: now,
    weights: {
      candidate: percentOf(traffic, rollout.candidate.id),
      stable: rollout.stable ? percentOf(traffic, rollout.stable.id) : null,
    },
    candidate: ratesOf(samples.candidate, from),
    stable: rollout.stable ? ratesOf(samples.stable, from) : null,
  };
}
