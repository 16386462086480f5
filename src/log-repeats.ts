/**
 * Logs a failure that repeats (a tick failing on every interval) once per interval rather than
 * each time, and says how many were held back, so one fault does not flood the log.
 */
export class RepeatedFailureGate {
  private readonly seen = new Map<string, { loggedAt: number; held: number }>();

  constructor(private readonly intervalMs: number) {}

  /** The number held back since the last one logged when this one should be logged, else undefined. */
  pass(key: string, now: number): number | undefined {
    const entry = this.seen.get(key);
    if (entry && now - entry.loggedAt < this.intervalMs) {
      entry.held += 1;
      return undefined;
    }
    const held = entry?.held ?? 0;
    // One failure at a time is what repeats; forget the others so the map stays small.
    this.seen.clear();
    this.seen.set(key, { loggedAt: now, held: 0 });
    return held;
  }

  /** A success ends the run of failures: the next one is logged at once. */
  reset(): void {
    this.seen.clear();
  }
}
