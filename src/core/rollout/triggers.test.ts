/**
 * The baseline-ratio trigger as a canary uses it (issue 11, failure 4): not during the canary's
 * warm-up, against stable over the same window, and only on a significantly heavier tail.
 */
import { describe, expect, it } from "vitest";
import { resolveSettings } from "./defaults.js";
import { evaluateTriggers } from "./triggers.js";
import type { StatsSample } from "./types.js";

const BUCKETS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000];
const T0 = 1_000_000;

/** Cumulative counters: `fast` requests at `fastMs` and `slow` at `slowMs` so far. */
function sample(at: number, fast: number, fastMs: number, slow = 0, slowMs = 0): StatsSample {
  const total = fast + slow;
  return {
    at,
    total,
    errors5xx: 0,
    latency: {
      bucketsMs: BUCKETS,
      counts: BUCKETS.map((b) => (fastMs <= b ? fast : 0) + (slow > 0 && slowMs <= b ? slow : 0)),
      count: total,
    },
  };
}

const settings = resolveSettings({
  triggers: { baselineRatio: { windowMs: 60_000, minRequests: 20 } },
}).triggers;
const health = { desired: 1, ready: 1, crashed: 0, restarts: 0, consecutiveHealthFailures: 0 };
const base = { settings, health, restartsAtSwitch: 0, switchedAt: T0 };

describe("baseline-ratio trigger for a canary", () => {
  // A cold canary: its first 100 requests take 300 ms; warm stable: 40 ms.
  const coldStart = [sample(T0, 0, 40), sample(T0 + 5_000, 0, 40, 100, 300)];
  const stableAlong = [sample(T0 - 10_000, 0, 40), sample(T0, 500, 40), sample(T0 + 5_000, 750, 40)];

  it("fires on a cold start when compared from the switch (as before)", () => {
    const trip = evaluateTriggers({ ...base, now: T0 + 5_000, candidate: coldStart, stable: stableAlong });
    expect(trip?.trigger).toBe("baseline-ratio");
    expect(trip?.reason).toMatch(/p95 500ms > 2x baseline p95 50ms \(100\/100 vs 0\/500 requests above 50ms/);
  });

  it("leaves the warm-up out: a canary compared from the end of its warm-up does not fire", () => {
    const warmed = [...coldStart, sample(T0 + 40_000, 400, 40, 100, 300)];
    const trip = evaluateTriggers({
      ...base,
      now: T0 + 40_000,
      candidate: warmed,
      stable: [...stableAlong, sample(T0 + 40_000, 2500, 40)],
      comparedFrom: T0 + 30_000,
      concurrentBaseline: true,
    });
    expect(trip).toBeUndefined();
  });

  it("compares with stable over the same window: a slow machine slows both, no rollback", () => {
    // Before the switch stable answered in 40 ms; now the machine is loaded and both take 200 ms.
    const canary = [sample(T0 + 30_000, 0, 40), sample(T0 + 40_000, 100, 200)];
    const stable = [
      sample(T0 - 10_000, 0, 40),
      sample(T0, 500, 40),
      sample(T0 + 30_000, 500, 40),
      sample(T0 + 40_000, 500, 40, 400, 200),
    ];
    const input = { ...base, now: T0 + 40_000, candidate: canary, stable, comparedFrom: T0 + 30_000 };
    expect(evaluateTriggers(input)?.trigger).toBe("baseline-ratio");
    expect(evaluateTriggers({ ...input, concurrentBaseline: true })).toBeUndefined();
  });

  it("a p95 across one bucket bound with a tail not significantly heavier does not fire", () => {
    // 4 of 56 canary requests above 50 ms (7 %) against 60 of 1591 (3.8 %): the p95 bucket jumps
    // from 50 to 250 ms (5×, +200 ms), but the tails do not differ significantly.
    const canary = [sample(T0 + 30_000, 0, 40), sample(T0 + 40_000, 52, 40, 4, 200)];
    const stable = [sample(T0 + 30_000, 0, 40), sample(T0 + 40_000, 1531, 40, 60, 200)];
    const input = { ...base, now: T0 + 40_000, candidate: canary, stable, comparedFrom: T0 + 30_000 };
    expect(evaluateTriggers({ ...input, concurrentBaseline: true })).toBeUndefined();
    // Twelve slow requests of 56 are a real change and fire.
    const worse = [sample(T0 + 30_000, 0, 40), sample(T0 + 40_000, 44, 40, 12, 200)];
    expect(evaluateTriggers({ ...input, candidate: worse, concurrentBaseline: true })?.reason).toMatch(
      /p95 250ms > 2x baseline p95 50ms \(12\/56 vs 60\/1591 requests above 50ms, tail .* p=/,
    );
  });
});
