/**
 * Default comparisons need statistical significance AND a practical effect (issue 11, failure 4):
 * the three false rollbacks of releases identical to stable, rebuilt from their reported numbers on
 * the proxy's real histogram layout, now pass; real regressions (1.5× slower, 5 % errors, a tail
 * that doubles by hundreds of ms) still fail. Samples are deterministic spreads, not random draws.
 */
import { describe, expect, it } from "vitest";
import { LATENCY_BUCKETS_MS } from "../traffic/index.js";
import { defaultCanaryMetrics, judgeMeasurement } from "./evaluate.js";
import type { MetricSample } from "./sample.js";

/** `n` latencies spread evenly over [lo, hi] ms. */
const spread = (n: number, lo: number, hi: number): number[] =>
  Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / Math.max(1, n - 1));

/** A proxy sample: requests, errors and a histogram with the proxy's own bucket bounds. */
function proxy(latencies: readonly number[], errors = 0): MetricSample {
  const bucketsMs = [...LATENCY_BUCKETS_MS];
  return {
    values: [],
    series: [],
    window: { startMs: 0, endMs: 60_000 },
    requests: { total: latencies.length, errors },
    latency: {
      bucketsMs,
      counts: bucketsMs.map((b) => latencies.filter((v) => v <= b).length),
      sum: latencies.reduce((s, v) => s + v, 0),
      count: latencies.length,
    },
    source: "proxy stats",
  };
}

function judge(name: string, canary: MetricSample, stable: MetricSample) {
  const d = defaultCanaryMetrics().find((m) => m.name === name);
  if (!d) throw new Error(name);
  return judgeMeasurement(d.name, d.judge, canary, stable, d.unit);
}

describe("significant but too small to matter: passes", () => {
  it("median 1.68 ms vs 0.859 ms (failure 4's first rollback): p tiny, ratio ~2×, but under 10 ms", () => {
    const canary = proxy(spread(2000, 1.1, 2.3));
    const stable = proxy(spread(2000, 0.6, 1.2));
    const j = judge("latency vs stable", canary, stable);
    expect(j.numbers.pValue as number).toBeLessThan(1e-6);
    expect(j.numbers.meanRatio as number).toBeGreaterThan(1.25);
    expect(j.verdict).toBe("pass");
    expect(j.explanation).toContain("(significant, too small to matter) → pass");
  });

  it("p95 8 ms vs 2.44 ms = 3.28× (the second): above 2× but not 100 ms more", () => {
    const canary = proxy([...spread(1800, 1, 2.4), ...spread(200, 6, 9)]);
    const stable = proxy(spread(2000, 0.5, 2.5));
    const j = judge("latency p95 vs stable", canary, stable);
    expect(j.numbers.ratio as number).toBeGreaterThan(2);
    expect(j.verdict).toBe("pass");
    expect(j.explanation).toContain("under the 100 ms floor (too small to matter) → pass");
  });

  it("4.82 ms vs 3.17 ms, ratio 1.19× (the third): neither 1.25× nor 10 ms", () => {
    const j = judge("latency vs stable", proxy(spread(3000, 3.5, 6.1)), proxy(spread(3000, 2, 4.3)));
    expect(j.numbers.pValue as number).toBeLessThan(0.01);
    expect(j.verdict).toBe("pass");
  });

  it("error rate 0.6 % vs 0.1 % over 20 000 requests each: significant, but under 1 point", () => {
    const j = judge(
      "error rate vs stable",
      proxy(spread(20_000, 5, 6), 120),
      proxy(spread(20_000, 5, 6), 20),
    );
    expect(j.numbers.pValue as number).toBeLessThan(1e-6);
    expect(j.verdict).toBe("pass");
    expect(j.explanation).toContain("too small to matter");
  });

  it("error rate 12 % vs 10 %: 2 points, but only 1.2× stable's rate", () => {
    const j = judge(
      "error rate vs stable",
      proxy(spread(20_000, 5, 6), 2400),
      proxy(spread(20_000, 5, 6), 2000),
    );
    expect(j.numbers.pValue as number).toBeLessThan(0.01);
    expect(j.verdict).toBe("pass");
  });

  it("a p95 five times stable's and 560 ms more, from 4 slow requests in 50: not significant", () => {
    const canary = proxy([...spread(46, 30, 45), 600, 600, 600, 600]);
    const stable = proxy([...spread(47, 30, 45), 150, 150, 150]);
    const j = judge("latency p95 vs stable", canary, stable);
    expect(j.numbers.ratio as number).toBeGreaterThan(2);
    expect(j.verdict).toBe("pass");
    expect(j.explanation).toMatch(/tail Fisher exact .* p=0\.0\d+ ≥ α=0\.01 \(not significant\) → pass/);
  });
});

describe("real regressions: fail", () => {
  it("1.5× slower (40 → 60 ms)", () => {
    const j = judge("latency vs stable", proxy(spread(200, 45, 75)), proxy(spread(200, 30, 50)));
    expect(j.verdict).toBe("fail");
    expect(j.explanation).toContain("and effect ≥ 1.25× and a mean difference ≥ 10 ms → fail");
  });

  it("5 % errors against none", () => {
    const j = judge("error rate vs stable", proxy(spread(400, 5, 6), 20), proxy(spread(1600, 5, 6), 0));
    expect(j.verdict).toBe("fail");
  });

  it("a tail that goes from 150 ms to 900 ms for a fifth of the requests", () => {
    const canary = proxy([...spread(160, 30, 45), ...spread(40, 800, 950)]);
    const stable = proxy([...spread(190, 30, 45), ...spread(10, 120, 150)]);
    const j = judge("latency p95 vs stable", canary, stable);
    expect(j.verdict).toBe("fail");
    expect(j.explanation).toMatch(/tail z-test .* p=.* < α=0\.01 → fail/);
  });

  it("a latency metric in seconds gets the same floors, in seconds", () => {
    const j = judgeMeasurement(
      "latency",
      { kind: "distribution" },
      { values: spread(200, 0.045, 0.075), series: [], window: { startMs: 0, endMs: 1 }, source: "t" },
      { values: spread(200, 0.03, 0.05), series: [], window: { startMs: 0, endMs: 1 }, source: "t" },
      "s",
    );
    expect(j.verdict).toBe("fail");
    expect(j.numbers.minDelta).toBe(0.01);
  });
});
