/**
 * Canary analysis end to end with a real Prometheus: a real `slipway proxy` process, real app
 * instances (the fixture app, per-version knobs from faults.json), the real RolloutController and
 * SQLite store, and Prometheus scraping the proxy's per-revision metrics every second. Every
 * metric is PromQL templated with `{{revision}}`, so the canary and the stable revision are each
 * measured by the same query.
 *
 * The verdicts are read from the analysis record stored with the rollout (measurement counts and
 * explanations), never from wall-clock thresholds.
 *
 * One world for the file: stable v1 serves throughout, each scenario deploys its own canary
 * against it; the good canary goes last because it becomes the new stable revision.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Rollout } from "../../src/core/rollout/types.js";
import { FIXTURE_APP, startWorld, steadyTraffic, type World } from "../rollouts/world.js";
import { startPrometheusFor, type ScrapedPrometheus } from "./prometheus.js";

/** The analysis record of the contract (TEAM.md), read loosely so a missing field fails an expect, not tsc. */
interface StoredMeasurement {
  phase: "successful" | "failed" | "inconclusive" | "error";
  explanation: string;
}
interface StoredMetric {
  name: string;
  judge: string;
  dryRun: boolean;
  state: { phase: string; message: string; measurements: StoredMeasurement[] };
}
interface StoredAnalysis {
  id: string;
  step?: number;
  outcome?: { decision: string; phase: string; explanation: string };
  metrics: StoredMetric[];
}
interface CanaryView {
  phase: string;
  analysis: StoredAnalysis[];
  canary?: { stepIndex: number; weight: number; paused?: { reason: string; by: string } };
  reason?: string;
  outcome?: string;
}
const view = (r: Rollout): CanaryView => r as unknown as CanaryView;

const STABLE_MS = 40;
/** Versions and their knobs. Latency 40 ms vs 60 ms straddles the proxy histogram's 50 ms bucket. */
const FAULTS: Record<string, Record<string, string>> = {
  v1: { LATENCY_MS: String(STABLE_MS) },
  v2: { LATENCY_MS: String(STABLE_MS) },
  "v3-errors": { LATENCY_MS: String(STABLE_MS), FAIL_RATE: "0.1" },
  "v4-slow": { LATENCY_MS: String(STABLE_MS * 1.5) },
  "v5-flat": { LATENCY_MS: String(STABLE_MS) },
};

/** PromQL over the proxy's per-revision series; `{{revision}}` is filled (and escaped) by Slipway. */
const Q = {
  errorRatio:
    'sum(rate(slipway_proxy_requests_total{revision="{{revision}}",class="5xx"}[5s])) / sum(rate(slipway_proxy_requests_total{revision="{{revision}}"}[5s]))',
  p95Seconds:
    'histogram_quantile(0.95, sum by (le) (rate(slipway_proxy_request_duration_seconds_bucket{revision="{{revision}}"}[5s])))',
  /** Mean latency each second over the last 12 s (a subquery: many points from one instant query). */
  meanLatencyMs:
    '(1000 * sum(rate(slipway_proxy_request_duration_seconds_sum{revision="{{revision}}"}[3s])) / sum(rate(slipway_proxy_request_duration_seconds_count{revision="{{revision}}"}[3s])))[12s:1s]',
  /** A series that never moves: no WebSockets in this test. */
  flat: 'sum(slipway_proxy_websockets{revision="{{revision}}"})[10s:1s]',
};

let prometheus: ScrapedPrometheus;
let world: World;

/** A Prometheus metric as slipway.yaml takes it (YAML is a superset of JSON, so objects go in as JSON). */
const metric = (fields: Record<string, unknown>) => ({
  provider: "prometheus",
  // Before Prometheus runs (the world's first slipway.yaml, rewritten before any deploy): a placeholder.
  address: prometheus?.address ?? "http://127.0.0.1:9",
  ...fields,
});
type Step = Record<string, unknown>;

/** Error ratio under 5 %; `count` measurements (none: until the step ends). No data yet → retry. */
const ERROR_RATE = (count?: number) =>
  metric({
    name: "error rate",
    query: Q.errorRatio,
    judge: "threshold",
    max: 0.05,
    unit: "ratio",
    interval: "1s",
    ...(count === undefined ? {} : { count }),
    onInconclusive: "wait",
  });

/**
 * slipway.yaml: stable v1, canary strategy. The blue-green triggers are off so only the analysis
 * metrics decide; the background analysis is the Prometheus error ratio (instead of the proxy-based
 * defaults). Each scenario rewrites the file before its deploy (read afresh per deploy).
 */
function yaml(steps: Step[], background: object[] = [ERROR_RATE()]): string {
  return `project:
  name: canary-e2e
services:
  web:
    path: web
    start: node start.mjs
    replicas: 1
    env:
      SLIPWAY_FIXTURE_APP: ${FIXTURE_APP}
    readiness:
      http: { path: /healthz }
      period: 200ms
      timeout: 1s
    stopGracePeriod: 2s
environments:
  production:
    strategy: canary
    readinessTimeout: 8s
    scaleDownDelay: 1s
    drainTimeout: 2s
    steps: ${JSON.stringify(steps)}
    analysis:
      window: 2s          # a first deploy (no stable revision) is watched this long, blue-green style
      interval: 1s
      minRequests: 10
      triggers:
        errorRate: false
        latency: false
        latencyVsBaseline: false
        consecutiveHealthFailures: 3
      metrics: ${JSON.stringify(background)}
`;
}

function rewriteYaml(text: string) {
  writeFileSync(join(world.dir, "slipway.yaml"), text);
}

/** Deploy `version` with steady traffic, wait until `done`, abort whatever is left running. */
async function canary(version: string, done: (r: Rollout) => boolean, timeoutMs = 60_000) {
  const load = steadyTraffic(world, 5, 4);
  try {
    const started = await world.deploy(version);
    const rollout = await world.waitFor(started.id, done, timeoutMs);
    return { rollout, counts: await load.stop() };
  } finally {
    await load.stop();
  }
}

const isFinalOrPaused = (r: Rollout) =>
  ["promoted", "rolled-back", "failed", "superseded", "paused"].includes(r.phase);

beforeAll(async () => {
  // Prometheus needs the proxy's admin address, which the world picks: start the world first
  // with a step list that is replaced per scenario.
  world = await startWorld(FAULTS, yaml([{ setWeight: 50 }]));
  prometheus = await startPrometheusFor({
    hostPort: world.proxy.adminUrl.replace(/^http:\/\//, ""),
    bearerToken: world.proxy.token,
  });
  await prometheus.waitForTarget();
  rewriteYaml(yaml([{ setWeight: 50 }]));
  const first = await world.deploy("v1");
  const r = await world.waitFinal(first.id, 30_000);
  expect(r.phase, r.reason).toBe("promoted");
}, 90_000);

afterAll(async () => {
  await world?.close();
  await prometheus?.stop();
}, 30_000);

describe("canary analysis against a real Prometheus", () => {
  it("aborts a canary failing 10 % of requests within two analysis intervals", async () => {
    rewriteYaml(yaml([{ setWeight: 50 }, { pause: "60s" }], [ERROR_RATE()]));
    const { rollout } = await canary("v3-errors", (r) => r.outcome !== undefined || isFinalOrPaused(r));
    const r = view(rollout);
    expect(rollout.outcome ?? rollout.phase, JSON.stringify(r.analysis)).toBe("rolled-back");
    expect(rollout.reason).toMatch(/error rate/);
    const record = r.analysis.find((a) => a.outcome?.decision === "abort");
    expect(record, JSON.stringify(r.analysis)).toBeDefined();
    expect(record!.step).toBeUndefined(); // the background analysis caught it
    const errorRate = record!.metrics.find((m) => m.name === "error rate")!;
    expect(errorRate.state.phase).toBe("failed");
    // Measurements with data (inconclusive ones were waits for Prometheus' first scrapes of v3):
    // the canary failed at the first or second of them, i.e. within two 1 s intervals.
    const judged = errorRate.state.measurements.filter((m) => m.phase !== "inconclusive");
    expect(judged.length).toBeGreaterThanOrEqual(1);
    expect(judged.length).toBeLessThanOrEqual(2);
    expect(judged.at(-1)!.phase).toBe("failed");
    expect(judged.at(-1)!.explanation).toMatch(
      /^error rate: canary \d+\.\d% > max 5\.0% \(threshold\) → fail$/,
    );
    const back = await world.waitFinal(rollout.id, 30_000);
    expect(back.phase).toBe("rolled-back");
    expect((await world.get()).version).toBe("v1");
  }, 90_000);

  it("catches a 1.5x slower canary with the statistical judge while a fixed 5 s threshold passes it", async () => {
    const metrics = [
      metric({
        name: "latency p95",
        query: Q.p95Seconds,
        judge: "threshold",
        max: 5,
        unit: "s",
        interval: "1s",
        count: 20,
        onInconclusive: "wait",
      }),
      metric({
        name: "latency vs stable",
        query: Q.meanLatencyMs,
        judge: "distribution",
        minSamples: 8,
        unit: "ms",
        interval: "1s",
        count: 20,
        // Too few points while Prometheus gathers the canary's first seconds: retry, up to 20 times.
        onInconclusive: "wait",
        inconclusiveLimit: 20,
      }),
    ];
    rewriteYaml(yaml([{ setWeight: 50 }, { analysis: { metrics } }]));
    const { rollout } = await canary("v4-slow", (r) => r.outcome !== undefined || isFinalOrPaused(r));
    const r = view(rollout);
    expect(rollout.outcome ?? rollout.phase, JSON.stringify(r.analysis)).toBe("rolled-back");
    const record = r.analysis.find((a) => a.outcome?.decision === "abort");
    expect(record, JSON.stringify(r.analysis)).toBeDefined();
    expect(record!.step).toBe(1);
    const threshold = record!.metrics.find((m) => m.name === "latency p95")!;
    const stats = record!.metrics.find((m) => m.name === "latency vs stable")!;
    // Both verdicts, side by side: the threshold never failed, the statistical judge did.
    const thresholdJudged = threshold.state.measurements.filter((m) => m.phase !== "inconclusive");
    expect(thresholdJudged.length).toBeGreaterThanOrEqual(1);
    for (const m of thresholdJudged) {
      expect(m.phase).toBe("successful");
      expect(m.explanation).toMatch(
        /^latency p95: canary [\d.]+ ?m?s within max 5(\.0)? ?s \(threshold\) → pass$/,
      );
    }
    expect(stats.state.phase).toBe("failed");
    const verdict = stats.state.measurements.at(-1)!;
    expect(verdict.phase).toBe("failed");
    expect(verdict.explanation).toMatch(
      /^latency vs stable: canary median [\d.]+ ms \(n=\d+\) vs stable median [\d.]+ ms \(n=\d+\), mean ratio 1\.[3-7]\d*×.*Mann–Whitney U=[\d.]+ one-sided p=\S+ < α=0\.01 and effect ≥ 1\.25× and a mean difference ≥ 10 ms → fail$/,
    );
    expect(rollout.reason).toMatch(/latency vs stable/);
    await world.waitFinal(rollout.id, 30_000);
  }, 90_000);

  it("pauses on a flat-lined metric, saying it is inconclusive", async () => {
    const flat = metric({
      name: "websockets vs stable",
      query: Q.flat,
      judge: "distribution",
      minSamples: 5,
      interval: "1s",
      count: 3,
      // Enough scrapes for 5 points of the canary's series; then the first answer is "flat".
      initialDelay: "6s",
    });
    rewriteYaml(yaml([{ setWeight: 50 }, { analysis: { metrics: [flat] } }]));
    const { rollout } = await canary("v5-flat", (r) => isFinalOrPaused(r) || r.outcome !== undefined);
    const r = view(rollout);
    expect(rollout.phase, JSON.stringify(rollout)).toBe("paused");
    expect(r.canary?.paused?.by).toBe("analysis");
    expect(r.canary?.paused?.reason).toMatch(/inconclusive/);
    const record = r.analysis.find((a) => a.outcome?.decision === "pause")!;
    expect(record.outcome!.phase).toBe("inconclusive");
    const m = record.metrics[0]!;
    expect(m.state.phase).toBe("inconclusive");
    expect(m.state.measurements.at(-1)!.explanation).toMatch(
      /^websockets vs stable: flat-lined, all \d+ canary and stable values equal 0; nothing to compare \(is the metric still updating\?\) → inconclusive$/,
    );
    // The canary keeps its weight while paused; a human aborts it.
    expect(r.canary?.weight).toBe(50);
    const aborted = await world.controller.abort(rollout.id, { actor: "test", reason: "flat metric" });
    expect(aborted.rollout?.id).toBe(rollout.id);
    const back = await world.waitFinal(rollout.id, 30_000);
    expect(back.phase).toBe("rolled-back");
  }, 90_000);

  it("promotes a good canary through every step, each analysis successful", async () => {
    rewriteYaml(
      yaml([
        { setWeight: 20 },
        { analysis: { metrics: [ERROR_RATE(2)] } },
        { setWeight: 50 },
        { analysis: { metrics: [ERROR_RATE(2)] } },
      ]),
    );
    const { rollout, counts } = await canary("v2", (r) => r.outcome !== undefined || isFinalOrPaused(r));
    const r = view(rollout);
    expect(rollout.outcome ?? rollout.phase, JSON.stringify(r.analysis)).toBe("promoted");
    const stepRecords = r.analysis.filter((a) => a.step !== undefined);
    expect(stepRecords.map((a) => a.step)).toEqual([1, 3]);
    for (const a of stepRecords) {
      expect(a.outcome?.decision).toBe("continue");
      const m = a.metrics.find((x) => x.name === "error rate")!;
      expect(m.state.phase).toBe("successful");
      const judged = m.state.measurements.filter((x) => x.phase !== "inconclusive");
      expect(judged).toHaveLength(2);
      for (const x of judged) expect(x.explanation).toMatch(/^error rate: canary 0\.0% within max 5\.0%/);
    }
    // The canary really served during the steps, and serves everything once promoted.
    expect(counts.byVersion.get("v2") ?? 0).toBeGreaterThan(0);
    expect(counts.statuses.get(500) ?? 0).toBe(0);
    const done = await world.waitFinal(rollout.id, 30_000);
    expect(done.phase).toBe("promoted");
    for (let i = 0; i < 10; i++) expect((await world.get()).version).toBe("v2");
  }, 120_000);
});
