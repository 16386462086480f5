import type { CanaryStep } from "./types.js";

/** "2.5s", "30s": durations in rollout messages. */
export const secs = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;

/** "1h", "30m", "45s": a whole duration for people (approval expiry, pauses). */
export function human(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  return secs(ms);
}

/** "setWeight 20%", "pause 30s", "analysis (errors, latency)": one canary step in a line. */
export function describeStep(step: CanaryStep): string {
  switch (step.kind) {
    case "setWeight":
      return `setWeight ${step.weight}%`;
    case "pause":
      return "manual" in step ? "pause until promoted" : `pause ${secs(step.durationMs)}`;
    case "analysis":
      return `analysis (${step.metrics.map((m) => m.name).join(", ") || "no metrics"})`;
    default: {
      const never: never = step;
      return never;
    }
  }
}
