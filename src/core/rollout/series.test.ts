import { describe, expect, it } from "vitest";
import { ratesOf, seriesPoint } from "./series.js";
import type { StatsSample } from "./types.js";

const sample = (at: number, total: number, errors5xx: number, counts: number[]): StatsSample => ({
  at,
  total,
  errors5xx,
  latency: { bucketsMs: [10, 50, 100], counts, count: counts[counts.length - 1] ?? 0 },
});

describe("ratesOf", () => {
  it("turns cumulative counters into requests per second, 5xx share and p95 over the interval", () => {
    const samples = [
      sample(0, 0, 0, [0, 0, 0]),
      sample(1000, 100, 0, [90, 100, 100]),
      sample(3000, 300, 20, [100, 292, 300]),
    ];
    // From t=1000: 200 requests in 2 s, 20 of them 5xx, 95 % of the 200 at or under 50 ms.
    expect(ratesOf(samples, 1000)).toEqual({ rps: 100, errorRate: 0.1, p95Ms: 50 });
  });

  it("answers null with fewer than two samples, and no error rate or p95 without requests", () => {
    expect(ratesOf([sample(0, 5, 0, [5, 5, 5])], 0)).toBeNull();
    expect(ratesOf([sample(0, 5, 0, [5, 5, 5]), sample(2000, 5, 0, [5, 5, 5])], 0)).toEqual({
      rps: 0,
      errorRate: null,
      p95Ms: null,
    });
  });
});

describe("seriesPoint", () => {
  const rollout = {
    candidate: { id: "web/production@v2", version: "v2" },
    stable: { id: "web/production@v1", version: "v1" },
  };

  it("records the rollout's own revisions' share of the traffic and their rates", () => {
    const traffic = [
      { revision: "web/production@v1", weight: 80 },
      { revision: "web/production@v2", weight: 20 },
    ];
    const point = seriesPoint(
      rollout,
      traffic,
      { candidate: [sample(0, 0, 0, [0, 0, 0]), sample(2000, 10, 1, [10, 10, 10])], stable: [] },
      2000,
    );
    expect(point).toEqual({
      at: 2000,
      weights: { candidate: 20, stable: 80 },
      candidate: { rps: 5, errorRate: 0.1, p95Ms: 10 },
      stable: null,
    });
  });

  it("gives a first deploy no stable side, and a revision out of the traffic weight 0", () => {
    const first = seriesPoint({ candidate: rollout.candidate }, [], { candidate: [], stable: [] }, 5);
    expect(first.weights).toEqual({ candidate: 0, stable: null });
    expect(first.stable).toBeNull();
  });
});
