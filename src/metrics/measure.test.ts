import { describe, expect, it } from "vitest";
import { parseMetricDefinitions } from "../core/analysis/definition.js";
import { analysisOutcome, recordMeasurement, startMetricRun } from "../core/analysis/metric-run.js";
import type { RevisionStats } from "../core/traffic/index.js";
import { createMetricProvider } from "./index.js";
import { takeMeasurement } from "./measure.js";
import { freePortForTest } from "./test-support.js";

const stats = (revision: string, ok: number, errors: number): RevisionStats => ({
  revision,
  route: "web/production",
  responses: { "1xx": 0, "2xx": ok, "3xx": 0, "4xx": 0, "5xx": errors },
  inflight: 0,
  latency: {
    bucketsMs: [100, 1000],
    counts: [ok + errors, ok + errors],
    sum: 50 * (ok + errors),
    count: ok + errors,
  },
});

const canary = { revision: "web/production@v2", service: "web", env: "production" };
const stable = { revision: "web/production@v1", service: "web", env: "production" };

describe("takeMeasurement", () => {
  it("measures canary and stable over one window and aborts a 10 %-error canary through the run bookkeeping", async () => {
    let t = 0;
    let current: RevisionStats[] = [stats(stable.revision, 0, 0), stats(canary.revision, 0, 0)];
    const provider = createMetricProvider({
      proxyStats: { stats: () => Promise.resolve(structuredClone(current)) },
      now: () => t,
    });
    await provider.proxy?.observe();
    const [def] = parseMetricDefinitions(
      [{ name: "error rate vs stable", provider: "proxy", judge: "error-rate", interval: "10s", count: 3 }],
      "test",
    );
    let state = startMetricRun(def!.run, 0);
    t = 10_000;
    current = [stats(stable.revision, 200, 0), stats(canary.revision, 180, 20)];
    const m = await takeMeasurement(provider, def!, { canary, stable }, { startMs: 0, endMs: t }, () => t);
    expect(m.phase).toBe("failed");
    expect(m.explanation).toMatch(
      /^error rate vs stable: canary 10\.0% \(20\/200\) vs stable 0\.0% \(0\/200\), two-proportion z-test z=4\.59/,
    );
    state = recordMeasurement(def!.run, state, m);
    expect(analysisOutcome([{ spec: def!.run, state }])).toMatchObject({
      decision: "abort",
      phase: "failed",
    });
  });

  it("a comparison without a stable revision is inconclusive, saying why", async () => {
    const provider = createMetricProvider({ proxyStats: { stats: () => Promise.resolve([]) } });
    const [def] = parseMetricDefinitions(
      [{ name: "latency", provider: "proxy", judge: "distribution" }],
      "test",
    );
    const m = await takeMeasurement(provider, def!, { canary }, { startMs: 0, endMs: 1 });
    expect(m.phase).toBe("inconclusive");
    expect(m.explanation).toBe(
      "latency: no stable revision to compare with (first deploy?); the distribution judge needs one → inconclusive",
    );
  });

  it("an unreachable Prometheus is an error measurement, and five in a row end the run in error", async () => {
    const port = await freePortForTest();
    const provider = createMetricProvider();
    const [def] = parseMetricDefinitions(
      [
        {
          name: "p95",
          provider: "prometheus",
          address: `http://127.0.0.1:${port}`,
          query: "up",
          judge: "threshold",
          max: 1,
          interval: "1s",
        },
      ],
      "test",
    );
    let state = startMetricRun(def!.run, 0);
    for (let i = 0; i < 5; i++) {
      const m = await takeMeasurement(provider, def!, { canary }, { startMs: 0, endMs: Date.now() });
      expect(m.phase).toBe("error");
      expect(m.explanation).toBe(
        `p95: could not measure: Prometheus at http://127.0.0.1:${port}/ is unreachable (ECONNREFUSED)`,
      );
      state = recordMeasurement(def!.run, state, m);
    }
    expect(state.phase).toBe("error");
    expect(analysisOutcome([{ spec: def!.run, state }]).decision).toBe("abort");
  });
});
