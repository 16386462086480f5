/** "2.5s", "30s": durations in rollout messages. */
export const secs = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;

/** "1h", "30m", "45s": a whole duration for people (approval expiry, pauses). */
export function human(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  return secs(ms);
}
