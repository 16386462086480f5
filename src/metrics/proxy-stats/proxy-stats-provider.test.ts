import { describe, expect, it } from "vitest";
import { judgeErrorRates } from "../../core/analysis/judges/error-rate-comparison.js";
import { judgeDistributions } from "../../core/analysis/judges/latency-comparison.js";
import { judgeThreshold } from "../../core/analysis/judges/threshold.js";
import { summarize } from "../../core/analysis/summary.js";
import type { RevisionStats } from "../../core/traffic/index.js";
import { createMetricProvider } from "../index.js";
import type { MetricQueryError } from "../provider.js";
import { ProxyStatsProvider } from "./proxy-stats-provider.js";
import { statsDelta } from "./stats-delta.js";

const BUCKETS = [50, 100, 250, 500, 1000];

/** Cumulative proxy counters for a revision, built from per-bucket counts. */
function stats(
  revision: string,
  ok: number,
  errors: number,
  perBucket: number[],
  sum: number,
): RevisionStats {
  let acc = 0;
  const counts = perBucket.map((c) => (acc += c));
  return {
    revision,
    route: "web/production",
    responses: { "1xx": 0, "2xx": ok, "3xx": 0, "4xx": 0, "5xx": errors },
    inflight: 0,
    latency: { bucketsMs: BUCKETS, counts, sum, count: ok + errors },
  };
}

/** A stats source whose answer the test sets, with a controllable clock. */
function fakeProxy() {
  let current: RevisionStats[] = [];
  let t = 1_000_000;
  return {
    source: { stats: () => Promise.resolve(structuredClone(current)) },
    set: (s: RevisionStats[]) => (current = s),
    now: () => t,
    advance: (ms: number) => (t += ms),
  };
}

describe("proxy stats provider", () => {
  it("answers for the window: the difference from the snapshot taken when it opened", async () => {
    const p = fakeProxy();
    const provider = new ProxyStatsProvider(p.source, p.now);
    p.set([
      stats("web@v1", 1000, 0, [500, 400, 100, 0, 0], 80_000),
      stats("web@v2", 10, 0, [5, 5, 0, 0, 0], 900),
    ]);
    await provider.observe();
    const opened = p.now();
    p.advance(60_000);
    p.set([
      stats("web@v1", 1200, 0, [600, 480, 120, 0, 0], 96_000),
      stats("web@v2", 190, 20, [5, 45, 120, 40, 0], 40_000),
    ]);
    const window = { startMs: opened, endMs: p.now() };
    const canary = await provider.query({ provider: "proxy", vars: { revision: "web@v2" } }, window);
    const stable = await provider.query({ provider: "proxy", vars: { revision: "web@v1" } }, window);
    expect(canary.requests).toEqual({ total: 200, errors: 20 });
    expect(canary.latency).toEqual({
      bucketsMs: BUCKETS,
      counts: [0, 40, 160, 200, 200],
      sum: 39_100,
      count: 200,
    });
    expect(canary.window).toEqual(window);
    expect(canary.source).toBe(`proxy stats for web@v2 since ${new Date(opened).toISOString()}`);
    expect(stable.requests).toEqual({ total: 200, errors: 0 });

    const errors = judgeErrorRates(canary.requests!, stable.requests!);
    expect(errors.verdict).toBe("fail");
    expect(errors.explanation).toContain("canary 10.0% (20/200) vs stable 0.0% (0/200)");
    const latency = judgeDistributions(
      { kind: "histogram", histogram: canary.latency! },
      { kind: "histogram", histogram: stable.latency! },
      { metric: "latency", unit: "ms" },
    );
    expect(latency.verdict).toBe("fail");
    const p95 = summarize(canary, "latency-p95");
    // Prometheus-style interpolation: rank 190 falls in (250, 500] holding ranks 161..200 → 250 + 250 × 30/40.
    expect(p95.value).toBe(437.5);
    expect(judgeThreshold(p95, { metric: "latency p95", unit: "ms", max: 5000 }).verdict).toBe("pass");
  });

  it("no traffic in the window is waiting for traffic, not a pass", async () => {
    const p = fakeProxy();
    const provider = new ProxyStatsProvider(p.source, p.now);
    p.set([stats("web@v2", 10, 0, [10, 0, 0, 0, 0], 100)]);
    await provider.observe();
    const start = p.now();
    p.advance(30_000);
    const sample = await provider.query(
      { provider: "proxy", vars: { revision: "web@v2" } },
      { startMs: start, endMs: p.now() },
    );
    expect(sample.requests).toEqual({ total: 0, errors: 0 });
    const j = judgeThreshold(summarize(sample, "error-rate"), {
      metric: "error rate",
      unit: "ratio",
      max: 0.05,
    });
    // Since 0c96a1b too little traffic is "waiting" (time fixes it), not a verdict.
    expect(j.verdict).toBe("waiting");
    expect(j.explanation).toBe("error rate: waiting for 1 observations on the canary (0 so far)");
  });

  it("a revision missing from the route table reads as zero traffic; without an earlier snapshot it says so", async () => {
    const p = fakeProxy();
    const provider = new ProxyStatsProvider(p.source, p.now);
    p.set([stats("web@v1", 5, 1, [6, 0, 0, 0, 0], 60)]);
    const gone = await provider.query(
      { provider: "proxy", vars: { revision: "web@v9" } },
      { startMs: 0, endMs: 1 },
    );
    expect(gone.requests).toEqual({ total: 0, errors: 0 });
    expect(gone.source).toBe("proxy stats for web@v9 (not in the route table)");
    const fresh = await new ProxyStatsProvider(p.source, p.now).query(
      { provider: "proxy", vars: { revision: "web@v1" } },
      { startMs: 0, endMs: 1 },
    );
    expect(fresh.requests).toEqual({ total: 6, errors: 1 });
    expect(fresh.source).toBe("proxy stats for web@v1 since the revision entered the proxy");
  });

  it("treats counters that went down as a proxy restart", () => {
    const before = stats("web@v1", 1000, 10, [1010, 0, 0, 0, 0], 5000);
    const after = stats("web@v1", 30, 2, [32, 0, 0, 0, 0], 160);
    expect(statsDelta(before, after).requests).toEqual({ total: 32, errors: 2 });
  });

  it("reports an unreachable proxy as an error, and needs a revision", async () => {
    const provider = new ProxyStatsProvider({
      stats: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:4001")),
    });
    const err = await provider
      .query({ provider: "proxy", vars: { revision: "web@v1" } }, { startMs: 0, endMs: 1 })
      .catch((e: unknown) => e);
    expect((err as MetricQueryError).failure).toBe("unreachable");
    expect((err as Error).message).toBe("proxy stats unavailable: connect ECONNREFUSED 127.0.0.1:4001");
    const noRev = await provider
      .query({ provider: "proxy", vars: {} }, { startMs: 0, endMs: 1 })
      .catch((e: unknown) => e);
    expect((noRev as MetricQueryError).failure).toBe("bad-spec");
  });
});

describe("createMetricProvider", () => {
  it("dispatches by provider and says which providers are missing", async () => {
    const provider = createMetricProvider({
      resources: { resources: () => Promise.resolve({ cpuPercent: 37.5, rssBytes: 104_857_600 }) },
    });
    const mem = await provider.query(
      { provider: "resources", resource: "memory", vars: { revision: "web@v2" } },
      { startMs: 0, endMs: 1 },
    );
    expect(mem.values).toEqual([104_857_600]);
    expect(mem.source).toBe("runtime resident memory of web@v2");
    const cpu = await provider.query(
      { provider: "resources", resource: "cpu", vars: { revision: "web@v2" } },
      { startMs: 0, endMs: 1 },
    );
    expect(cpu.values).toEqual([37.5]);
    const err = await provider
      .query({ provider: "proxy", vars: { revision: "web@v2" } }, { startMs: 0, endMs: 1 })
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe("proxy metrics are not available here (no proxy stats source)");
  });
});
