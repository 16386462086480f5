import { describe, expect, it } from "vitest";
import { defaultCanaryMetrics, judgeMeasurement, needsBaseline } from "./evaluate.js";
import type { MetricSample } from "./sample.js";
import { CANARY_LATENCY_MS, STABLE_LATENCY_MS } from "./stats/reference-data.js";

const proxySample = (total: number, errors: number, latencyMs: readonly number[]): MetricSample => {
  const bucketsMs = [50, 75, 100, 125, 150, 200, 300, 500, 1000, 5000];
  return {
    values: [],
    series: [],
    window: { startMs: 0, endMs: 60_000 },
    requests: { total, errors },
    latency: {
      bucketsMs,
      counts: bucketsMs.map((b) => latencyMs.filter((v) => v <= b).length),
      sum: latencyMs.reduce((s, v) => s + v, 0),
      count: latencyMs.length,
    },
    source: "proxy stats",
  };
};

const byName = (name: string) => {
  const m = defaultCanaryMetrics().find((d) => d.name === name);
  if (!m) throw new Error(name);
  return m;
};

describe("judgeMeasurement with the seeds' default metrics", () => {
  const stable = proxySample(60, 0, STABLE_LATENCY_MS);

  it("a 1.5x latency canary: the statistical judge fails it, the 5 s p95 threshold and the 2x ratio pass it", () => {
    const canary = proxySample(60, 0, CANARY_LATENCY_MS);
    const verdicts = ["latency vs stable", "latency p95", "latency p95 vs stable"].map((n) => {
      const d = byName(n);
      return judgeMeasurement(d.name, d.judge, canary, stable, d.unit).verdict;
    });
    expect(verdicts).toEqual(["fail", "pass", "pass"]);
  });

  it("10 % errors against 0 %: both the threshold and the comparison fail", () => {
    const canary = proxySample(200, 20, CANARY_LATENCY_MS);
    const base = proxySample(200, 0, STABLE_LATENCY_MS);
    for (const n of ["error rate", "error rate vs stable"]) {
      const d = byName(n);
      expect(judgeMeasurement(d.name, d.judge, canary, base, d.unit).verdict).toBe("fail");
    }
  });

  it("no canary traffic: every default proxy metric waits, saying for how many requests", () => {
    const idle = proxySample(0, 0, []);
    for (const d of defaultCanaryMetrics().filter((m) => m.source.provider === "proxy")) {
      const j = judgeMeasurement(d.name, d.judge, idle, stable, d.unit);
      expect(j.verdict, d.name).toBe("waiting");
      expect(j.explanation, d.name).toBe(`${d.name}: waiting for 50 requests on the canary (0 so far)`);
    }
  });

  it("conditions judge parses Argo-style conditions", () => {
    const s: MetricSample = {
      values: [0.2],
      series: [],
      window: { startMs: 0, endMs: 1 },
      source: "prometheus",
    };
    expect(
      judgeMeasurement("err", { kind: "conditions", successCondition: "result < 0.05" }, s, undefined)
        .verdict,
    ).toBe("fail");
  });

  it("refuses a comparing judge without a stable sample", () => {
    expect(needsBaseline({ kind: "error-rate" })).toBe(true);
    expect(() => judgeMeasurement("err", { kind: "error-rate" }, stable, undefined)).toThrow(
      /no stable sample/,
    );
  });

  it("resource metrics start as dry runs", () => {
    expect(
      defaultCanaryMetrics()
        .filter((m) => m.run.dryRun)
        .map((m) => m.name),
    ).toEqual(["memory vs stable", "cpu vs stable"]);
  });
});
