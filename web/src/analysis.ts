import type { MetricRunState } from "./types.js";

/**
 * The word shown on a metric's badge: "waiting" while its run waits for data (minimum samples, the
 * canary's warm-up), which is no verdict, else the run's phase. Pure.
 */
export function metricBadge(state: Pick<MetricRunState, "phase" | "waitingSince">): string {
  return state.phase === "running" && state.waitingSince !== undefined ? "waiting" : state.phase;
}
