import type { Rollout, RolloutSettings, WatchSettings } from "./types.js";

/**
 * After promotion. Seed 002's rollback strategy: "automaticRollback: true, rollbackTimeWindow:
 * 5 minutes"; its alert rules call a target down after "up == 0 for 1m".
 */
const WATCH_DEFAULTS: WatchSettings = { windowMs: 300_000, rollback: true, downAfterMs: 60_000 };

/**
 * Rollout defaults. Triggers come from the users' seeds: seed 001 rolls back on three consecutive
 * failed health checks, an error rate above 5 % over 5 minutes and a p95 above 5 s over 10 minutes;
 * seed 004 on a response time above twice the baseline. Scale-down delay and drain timeout follow
 * Argo Rollouts (scaleDownDelaySeconds 30) and kamal-proxy (drain 30 s).
 */
export const ROLLOUT_DEFAULTS: RolloutSettings = {
  readyTimeoutMs: 120_000,
  smokeTimeoutMs: 60_000,
  analysisWindowMs: 600_000,
  scaleDownDelayMs: 30_000,
  drainTimeoutMs: 30_000,
  triggers: {
    healthFailures: 3,
    startCrashes: 3,
    errorRate: { threshold: 0.05, windowMs: 300_000, minRequests: 20 },
    p95: { percentile: 0.95, thresholdMs: 5_000, windowMs: 600_000, minRequests: 20 },
    baselineRatio: { percentile: 0.95, factor: 2, windowMs: 600_000, minRequests: 20, minDeltaMs: 100 },
  },
  watch: WATCH_DEFAULTS,
};

/**
 * A first deploy has no stable revision: nothing to compare with and nothing to fall back to, so
 * a long analysis only delays the release. It is analysed this long at most (slipway.yaml's
 * `analysis.firstDeployWindow`), then watched after promotion like any release.
 */
export const FIRST_DEPLOY_WINDOW_MS = 30_000;

/** How long a (blue-green, or first) rollout is analysed after its traffic switch. */
export function analysisWindowOf(rollout: Pick<Rollout, "stable" | "settings">): number {
  const s = rollout.settings;
  return rollout.stable
    ? s.analysisWindowMs
    : Math.min(s.analysisWindowMs, s.firstDeployWindowMs ?? FIRST_DEPLOY_WINDOW_MS);
}

/** What a rollout recorded before the watch existed gets: no automatic rollback, down reports only. */
export const WATCH_OFF: WatchSettings = { ...WATCH_DEFAULTS, windowMs: 0, rollback: false };

/** Fills the unset parts of partial settings from the defaults (deep for triggers). */
export function resolveSettings(partial: DeepPartial<RolloutSettings> = {}): RolloutSettings {
  const d = ROLLOUT_DEFAULTS;
  const t = partial.triggers ?? {};
  return {
    readyTimeoutMs: partial.readyTimeoutMs ?? d.readyTimeoutMs,
    ...(partial.smokeCommand ? { smokeCommand: partial.smokeCommand } : {}),
    smokeTimeoutMs: partial.smokeTimeoutMs ?? d.smokeTimeoutMs,
    analysisWindowMs: partial.analysisWindowMs ?? d.analysisWindowMs,
    scaleDownDelayMs: partial.scaleDownDelayMs ?? d.scaleDownDelayMs,
    drainTimeoutMs: partial.drainTimeoutMs ?? d.drainTimeoutMs,
    triggers: {
      healthFailures: t.healthFailures ?? d.triggers.healthFailures,
      startCrashes: t.startCrashes ?? d.triggers.startCrashes,
      errorRate: { ...d.triggers.errorRate, ...t.errorRate },
      p95: { ...d.triggers.p95, ...t.p95 },
      baselineRatio: { ...d.triggers.baselineRatio, ...t.baselineRatio },
    },
    watch: { ...WATCH_DEFAULTS, ...partial.watch },
  };
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
