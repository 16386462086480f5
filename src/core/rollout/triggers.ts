import { ANALYSIS_DEFAULTS } from "../analysis/defaults.js";
import { tailTest } from "../analysis/stats/tail.js";
import { formatP } from "../analysis/verdict.js";
import type { CandidateHealth, StatsSample, TriggerSettings } from "./types.js";

/** Why a candidate must be rolled back, in words a person reads in `slipway status`. */
export interface Trip {
  trigger: "health" | "crash" | "error-rate" | "p95" | "baseline-ratio";
  reason: string;
}

/** Counters of one revision between two samples. */
export interface WindowStats {
  requests: number;
  errors5xx: number;
  /** Cumulative counts per bound over the window, and the number of latency observations. */
  bucketsMs: number[];
  counts: number[];
  count: number;
  spanMs: number;
}

/**
 * The delta between the newest sample and the oldest one at or after `from` (samples are cumulative
 * counters, oldest first). Undefined with fewer than two samples in range.
 */
export function windowStats(samples: StatsSample[], from: number): WindowStats | undefined {
  const inRange = samples.filter((s) => s.at >= from);
  const first = inRange[0];
  const last = inRange[inRange.length - 1];
  if (!first || !last || first === last) return undefined;
  const bucketsMs = last.latency.bucketsMs;
  const cumulative = last.latency.counts.map((c, i) => c - (first.latency.counts[i] ?? 0));
  return {
    requests: last.total - first.total,
    errors5xx: last.errors5xx - first.errors5xx,
    bucketsMs,
    counts: cumulative,
    count: last.latency.count - first.latency.count,
    spanMs: last.at - first.at,
  };
}

/**
 * p95 from cumulative Prometheus-style buckets (count of observations ≤ bound): the smallest bound
 * holding 95 % of observations. Infinity when they fall beyond the last bound.
 */
export function percentileMs(
  stats: Pick<WindowStats, "bucketsMs" | "counts" | "count">,
  q: number,
): number | undefined {
  const total = stats.count;
  if (total <= 0) return undefined;
  const target = total * q;
  for (let i = 0; i < stats.bucketsMs.length; i++) {
    if ((stats.counts[i] ?? 0) >= target) return stats.bucketsMs[i];
  }
  return Number.POSITIVE_INFINITY;
}

const pName = (q: number) => `p${Math.round(q * 100)}`;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (x: number) => (Number.isFinite(x) ? `${x}ms` : "beyond the last bucket");

/**
 * Evaluates the rollback triggers of a candidate that takes traffic. Triggers never fire on too
 * little data: a window with fewer than `minRequests` requests gives no verdict.
 */
export function evaluateTriggers(input: {
  settings: TriggerSettings;
  now: number;
  switchedAt: number;
  health: CandidateHealth;
  restartsAtSwitch: number;
  candidate: StatsSample[];
  stable: StatsSample[];
  /**
   * The candidate's requests before this are left out of the baseline-ratio comparison (a canary's
   * warm-up: a cold process against a warm one). The other triggers count from the switch.
   */
  comparedFrom?: number;
  /**
   * The baseline is the stable revision over the same window (a canary: stable serves alongside),
   * not its traffic before the switch (blue-green: stable serves nothing after it). Comparing
   * different periods of a shared machine mistakes its load for the release.
   */
  concurrentBaseline?: boolean;
}): Trip | undefined {
  const { settings, now, switchedAt, health } = input;
  if (health.restarts > input.restartsAtSwitch || health.crashed > 0) {
    return {
      trigger: "crash",
      reason: `candidate instance crashed after the switch${health.lastError ? ` (${health.lastError})` : ""}`,
    };
  }
  if (health.consecutiveHealthFailures >= settings.healthFailures) {
    return {
      trigger: "health",
      reason: `${health.consecutiveHealthFailures} consecutive failed health checks (limit ${settings.healthFailures})`,
    };
  }
  const er = settings.errorRate;
  const erWindow = windowStats(input.candidate, Math.max(switchedAt, now - er.windowMs));
  if (erWindow && erWindow.requests >= er.minRequests) {
    const rate = erWindow.errors5xx / erWindow.requests;
    if (rate > er.threshold) {
      return {
        trigger: "error-rate",
        reason: `error rate ${pct(rate)} > ${pct(er.threshold)} over ${erWindow.spanMs}ms (${erWindow.errors5xx}/${erWindow.requests} requests 5xx)`,
      };
    }
  }
  const lt = settings.p95;
  const ltWindow = windowStats(input.candidate, Math.max(switchedAt, now - lt.windowMs));
  const p =
    ltWindow && ltWindow.requests >= lt.minRequests ? percentileMs(ltWindow, lt.percentile) : undefined;
  if (p !== undefined && p > lt.thresholdMs) {
    return {
      trigger: "p95",
      reason: `${pName(lt.percentile)} ${ms(p)} > ${lt.thresholdMs}ms over ${ltWindow?.spanMs}ms`,
    };
  }
  const br = settings.baselineRatio;
  const brWindow = windowStats(
    input.candidate,
    Math.max(input.comparedFrom ?? switchedAt, now - br.windowMs),
  );
  // Baseline: the stable revision over the same length of time just before the switch.
  const baseWindow = input.concurrentBaseline
    ? windowStats(input.stable, Math.max(input.comparedFrom ?? switchedAt, now - br.windowMs))
    : windowStats(
        input.stable.filter((s) => s.at <= switchedAt),
        switchedAt - br.windowMs,
      );
  if (
    brWindow &&
    baseWindow &&
    brWindow.requests >= br.minRequests &&
    baseWindow.requests >= br.minRequests
  ) {
    const cand = percentileMs(brWindow, br.percentile);
    const base = percentileMs(baseWindow, br.percentile);
    if (cand !== undefined && base !== undefined && cand > br.factor * base && cand - base >= br.minDeltaMs) {
      // Percentiles here are bucket bounds, so a p95 just across a bound jumps 100 → 250 ms: the
      // tail must also be significantly heavier than the baseline's (issue 11, failure 4).
      const tail = tailTest({ ...brWindow, sum: 0 }, { ...baseWindow, sum: 0 }, br.percentile);
      if (tail === undefined || tail.pValue < ANALYSIS_DEFAULTS.alpha) {
        return {
          trigger: "baseline-ratio",
          reason: `${pName(br.percentile)} ${ms(cand)} > ${br.factor}x baseline ${pName(br.percentile)} ${ms(base)}${tail ? ` (${tail.canaryAbove}/${brWindow.count} vs ${tail.stableAbove}/${baseWindow.count} requests above ${tail.boundMs}ms, ${tail.test} p=${formatP(tail.pValue)})` : ""}`,
        };
      }
    }
  }
  return undefined;
}
