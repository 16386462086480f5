/**
 * The Prometheus provider against a real Prometheus scraping a tiny exporter served from this
 * test (text exposition format), then the judges over what it returned.
 */
import { createServer, type Server } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { judgeDistributions } from "../../src/core/analysis/judges/latency-comparison.js";
import { judgeRatio } from "../../src/core/analysis/judges/ratio.js";
import { judgeThreshold } from "../../src/core/analysis/judges/threshold.js";
import { samplePoints } from "../../src/core/analysis/sample.js";
import { CANARY_LATENCY_MS, STABLE_LATENCY_MS } from "../../src/core/analysis/stats/reference-data.js";
import { summarize } from "../../src/core/analysis/summary.js";
import { metricProviderContract } from "../../src/metrics/contract/metric-provider.contract.js";
import { createMetricProvider } from "../../src/metrics/index.js";
import { MetricQueryError } from "../../src/metrics/provider.js";
import { PrometheusProvider, type PrometheusSpec } from "../../src/metrics/prometheus/prometheus-provider.js";
import { freePortForTest, silentServerForTest } from "../../src/metrics/test-support.js";
import { freePort, startPrometheus, type PrometheusServer } from "./prometheus-server.js";

const STABLE = "web/production@v1";
const CANARY = "web/production@v2";

let exporter: Server;
let prometheus: PrometheusServer;
let scrapes = 0;
const provider = new PrometheusProvider();

/** Each scrape: counters grow, latency gauges walk through the reference samples, one gauge never moves. */
function exposition(): string {
  const i = scrapes++;
  return [
    "# HELP slipway_test_requests_total Requests by revision and status code.",
    "# TYPE slipway_test_requests_total counter",
    `slipway_test_requests_total{revision="${STABLE}",code="200"} ${100 * (i + 1)}`,
    `slipway_test_requests_total{revision="${CANARY}",code="200"} ${90 * (i + 1)}`,
    `slipway_test_requests_total{revision="${CANARY}",code="500"} ${10 * (i + 1)}`,
    "# TYPE slipway_test_latency_ms gauge",
    `slipway_test_latency_ms{revision="${STABLE}"} ${STABLE_LATENCY_MS[i % STABLE_LATENCY_MS.length]}`,
    `slipway_test_latency_ms{revision="${CANARY}"} ${CANARY_LATENCY_MS[i % CANARY_LATENCY_MS.length]}`,
    "# TYPE slipway_test_queue_depth gauge",
    `slipway_test_queue_depth{revision="${CANARY}"} 7`,
    `slipway_test_queue_depth{revision="${STABLE}"} 7`,
    "",
  ].join("\n");
}

const spec = (query: string, revision: string, mode: PrometheusSpec["mode"] = "instant"): PrometheusSpec => ({
  provider: "prometheus",
  address: prometheus.address,
  query,
  mode,
  vars: { revision, service: "web", env: "production" },
  timeoutMs: 5000,
});

const now = () => Date.now();
const lastSeconds = (s: number) => ({ startMs: now() - s * 1000, endMs: now(), stepMs: 1000 });

beforeAll(async () => {
  exporter = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(exposition());
  });
  await new Promise<void>((resolve) => exporter.listen(0, "127.0.0.1", resolve));
  const { port } = exporter.address() as { port: number };
  prometheus = await startPrometheus([`127.0.0.1:${port}`]);
  // Wait (bounded) until Prometheus holds a dozen scrapes: enough points for the judges below.
  const until = Date.now() + 40_000;
  while (Date.now() < until) {
    const s = await provider
      .query(spec('slipway_test_latency_ms{revision="{{revision}}"}', CANARY, "range"), lastSeconds(60))
      .catch(() => undefined);
    if (s && samplePoints(s).length >= 12) return;
    await sleep(500);
  }
  throw new Error("prometheus did not collect 12 scrapes in 40 s");
}, 90_000);

afterAll(async () => {
  await prometheus?.stop();
  await new Promise<void>((resolve) => (exporter ? exporter.close(() => resolve()) : resolve()));
});

describe("Prometheus provider (real Prometheus 2.x)", () => {
  it("answers an instant query templated with the revision", async () => {
    const sample = await provider.query(
      spec('sum(slipway_test_requests_total{revision="{{revision}}"})', STABLE),
      lastSeconds(0),
    );
    expect(sample.values).toHaveLength(1);
    const total = sample.values[0] as number;
    // The exporter serves 100 × scrape number for the stable revision.
    expect(total % 100).toBe(0);
    expect(total).toBeGreaterThanOrEqual(100);
    expect(total).toBeLessThanOrEqual(100 * scrapes);
    expect(sample.series).toEqual([]);
    expect(sample.source).toBe(
      `prometheus instant query sum(slipway_test_requests_total{revision="${STABLE}"})`,
    );
  });

  it("computes the canary's error ratio (10 % by construction) with an instant query", async () => {
    const q =
      'sum(increase(slipway_test_requests_total{revision="{{revision}}",code="500"}[10s])) / sum(increase(slipway_test_requests_total{revision="{{revision}}"}[10s]))';
    const sample = await provider.query(spec(q, CANARY), lastSeconds(0));
    expect(sample.values[0]).toBeCloseTo(0.1, 10);
    const j = judgeThreshold(summarize(sample, "value"), { metric: "error rate", unit: "ratio", max: 0.05 });
    expect(j.verdict).toBe("fail");
    expect(j.explanation).toBe("error rate: canary 10.0% > max 5.0% (threshold) → fail");
  });

  it("answers a range query with one point per step", async () => {
    const window = lastSeconds(10);
    const sample = await provider.query(
      spec('slipway_test_requests_total{revision="{{revision}}",code="200"}', STABLE, "range"),
      window,
    );
    expect(sample.series).toHaveLength(1);
    const series = sample.series[0]!;
    expect(series.labels).toMatchObject({ revision: STABLE, code: "200", job: "slipway-test" });
    expect(series.points.length).toBeGreaterThanOrEqual(10);
    for (let k = 1; k < series.points.length; k++) {
      const [t0, v0] = series.points[k - 1]!;
      const [t1, v1] = series.points[k]!;
      expect(t1 - t0).toBe(1000);
      expect(v1).toBeGreaterThanOrEqual(v0); // a counter never decreases
    }
    expect(sample.window).toEqual({ startMs: window.startMs, endMs: window.endMs });
    expect(sample.values).toEqual([series.points.at(-1)![1]]);
  });

  it("lets the statistical judge catch a 1.5x latency canary that a 5 s threshold passes", async () => {
    const q = 'slipway_test_latency_ms{revision="{{revision}}"}';
    const window = lastSeconds(60);
    const canary = await provider.query(spec(q, CANARY, "range"), window);
    const stable = await provider.query(spec(q, STABLE, "range"), window);
    const threshold = judgeThreshold(summarize(canary, "p95"), {
      metric: "latency p95",
      unit: "ms",
      max: 5000,
    });
    expect(threshold.verdict).toBe("pass");
    const ratio = judgeRatio(summarize(canary, "p95"), summarize(stable, "p95"), {
      metric: "latency p95",
      unit: "ms",
    });
    expect(ratio.verdict).toBe("pass");
    const stats = judgeDistributions(
      { kind: "values", values: samplePoints(canary) },
      { kind: "values", values: samplePoints(stable) },
      { metric: "latency", unit: "ms", minSamples: 12 },
    );
    expect(stats.verdict).toBe("fail");
    expect(stats.explanation).toMatch(
      /Mann–Whitney U=\d+(\.5)? one-sided p=\S+ < α=0\.01 and effect ≥ 1\.25× and a mean difference ≥ 10 ms → fail$/,
    );
  });

  it("reports a flat-lined metric as inconclusive, saying why", async () => {
    const q = 'slipway_test_queue_depth{revision="{{revision}}"}';
    const window = lastSeconds(10);
    const canary = await provider.query(spec(q, CANARY, "range"), window);
    const stable = await provider.query(spec(q, STABLE, "range"), window);
    const stats = judgeDistributions(
      { kind: "values", values: samplePoints(canary) },
      { kind: "values", values: samplePoints(stable) },
      { metric: "queue depth", minSamples: 5 },
    );
    expect(stats.verdict).toBe("inconclusive");
    expect(stats.explanation).toMatch(
      /^queue depth: flat-lined, all \d+ canary and stable values equal 7; nothing to compare \(is the metric still updating\?\) → inconclusive$/,
    );
    const threshold = judgeThreshold(summarize(canary, "max"), {
      metric: "queue depth",
      max: 100,
      flatline: "inconclusive",
    });
    expect(threshold.verdict).toBe("inconclusive");
    expect(threshold.explanation).toContain("flat-lined");
  });

  it("reports an empty result as inconclusive, saying the query returned no data", async () => {
    const sample = await provider.query(
      spec('sum(slipway_test_requests_total{revision="{{revision}}"})', "web/production@v9"),
      lastSeconds(0),
    );
    expect(sample.values).toEqual([]);
    const j = judgeThreshold(summarize(sample, "value"), { metric: "requests", max: 10 });
    expect(j.verdict).toBe("inconclusive");
    expect(j.explanation).toBe(
      "requests: no canary value (the query returned no data); threshold max 10 not checked → inconclusive",
    );
  });

  it("escapes template values so a revision cannot rewrite the query", async () => {
    const evil = `x"} or vector(1) or slipway_test_requests_total{revision="`;
    const sample = await provider.query(
      spec('sum(slipway_test_requests_total{revision="{{revision}}"})', evil),
      lastSeconds(0),
    );
    expect(sample.values).toEqual([]);
  });

  it("fails a bad query with Prometheus' own message", async () => {
    const err = await provider
      .query(spec("sum(rate(slipway_test_requests_total[1m]", STABLE), lastSeconds(0))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricQueryError);
    expect((err as MetricQueryError).failure).toBe("bad-query");
    expect((err as MetricQueryError).code).toBe("SLIPWAY_METRIC_QUERY");
    expect((err as Error).message).toMatch(
      /^Prometheus at http:\/\/127\.0\.0\.1:\d+\/? refused the query: .*parse error.* \(query: sum\(rate\(slipway_test_requests_total\[1m\]\)$/,
    );
  });

  it("fails an unknown placeholder before sending anything", async () => {
    const err = await provider
      .query(spec("up{job={{job}}}", STABLE), lastSeconds(0))
      .catch((e: unknown) => e);
    expect((err as MetricQueryError).failure).toBe("bad-spec");
    expect((err as Error).message).toBe(
      'unknown placeholder {{job}} in "up{job={{job}}}" (known: env, revision, service)',
    );
  });

  it("reports an unreachable server without leaking credentials", async () => {
    const port = await freePort();
    const err = await provider
      .query({ ...spec("up", STABLE), address: `http://admin:s3cret@127.0.0.1:${port}` }, lastSeconds(0))
      .catch((e: unknown) => e);
    expect((err as MetricQueryError).failure).toBe("unreachable");
    expect((err as Error).message).toBe(
      `Prometheus at http://***@127.0.0.1:${port}/ is unreachable (ECONNREFUSED)`,
    );
    expect((err as Error).message).not.toContain("s3cret");
  });
});

// The port's contract runs here rather than beside the adapter, on this file's Prometheus: a
// second real Prometheus (and its dozen scrapes) per run is not cheap on this machine.
// Instant query of the share of 200s: 90 of 100 for the canary, 100 of 100 for stable.
metricProviderContract("prometheus (real Prometheus 2.x)", async () => {
  const silent = await silentServerForTest();
  const deadPort = await freePortForTest();
  const source = (address: string, query: string, timeoutMs = 5000) =>
    ({ provider: "prometheus", address, query, mode: "instant", timeoutMs }) as const;
  return {
    provider: createMetricProvider(),
    source: source(
      prometheus.address,
      'sum(slipway_test_requests_total{revision="{{revision}}",code="200"}) / sum(slipway_test_requests_total{revision="{{revision}}"})',
    ),
    statistic: "value",
    canary: { revision: CANARY, service: "web", env: "production" },
    stable: { revision: STABLE, service: "web", env: "production" },
    expected: { canary: { min: 0.9, max: 0.9 }, stable: { min: 1, max: 1 } },
    failing: [
      {
        what: "an unreachable Prometheus",
        source: source(`http://127.0.0.1:${deadPort}`, "up"),
        failure: "unreachable",
        says: new RegExp(
          `^Prometheus at http://127\\.0\\.0\\.1:${deadPort}/ is unreachable \\(ECONNREFUSED\\)$`,
        ),
      },
      {
        what: "a query Prometheus refuses",
        source: source(prometheus.address, 'sum(slipway_test_requests_total{revision="{{revision}}"}'),
        failure: "bad-query",
        says: /refused the query: .*\(query: sum\(slipway_test_requests_total\{revision="web\/production@v2"\}\)$/,
      },
    ],
    hanging: { source: source(silent.url, "up", 300), timeoutMs: 300 },
    close: () => silent.close(),
  };
});
