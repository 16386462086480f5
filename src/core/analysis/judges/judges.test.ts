/**
 * Judge verdicts on data whose statistics were computed independently with scipy 1.17.1 and
 * numpy 2.4.6 (python3; the generating calls are quoted next to each value).
 */
import { describe, expect, it } from "vitest";
import { CANARY_LATENCY_MS, STABLE_LATENCY_MS } from "../stats/reference-data.js";
import type { MetricSample } from "../sample.js";
import { summarize } from "../summary.js";
import { judgeDistributions } from "./latency-comparison.js";
import { judgeErrorRates } from "./error-rate-comparison.js";
import { judgeRatio } from "./ratio.js";
import { judgeThreshold } from "./threshold.js";

const rangeSample = (points: number[]): MetricSample => ({
  values: [],
  series: [{ labels: {}, points: points.map((v, i) => [1_700_000_000_000 + i * 1000, v]) }],
  window: { startMs: 1_700_000_000_000, endMs: 1_700_000_060_000 },
  source: "test",
});

describe("a canary whose latency is 1.5x stable's", () => {
  it("is failed by the statistical judge (scipy: mannwhitneyu(canary, stable, 'greater') U=3035, p=4.6009840296689985e-11)", () => {
    const j = judgeDistributions(
      { kind: "values", values: CANARY_LATENCY_MS },
      { kind: "values", values: STABLE_LATENCY_MS },
      { metric: "latency", unit: "ms" },
    );
    expect(j.verdict).toBe("fail");
    expect(j.numbers.u).toBe(3035);
    expect(j.numbers.pValue as number).toBeCloseTo(4.6009840296689985e-11, 15);
    // numpy: canary.mean()/stable.mean() = 1.3892988929889296; median of pairwise differences 40.2
    expect(j.numbers.meanRatio as number).toBeCloseTo(1.3892988929889296, 12);
    expect(j.numbers.hodgesLehmannShift as number).toBeCloseTo(40.2, 9);
    // numpy.median: canary 140.3, stable 103.75
    expect(j.explanation).toMatch(/^latency: canary median 140 ms \(n=60\) vs stable median 104 ms \(n=60\)/);
    expect(j.explanation).toContain(
      "Mann–Whitney U=3035 one-sided p=4.6e-11 < α=0.01 and effect ≥ 1.25× and a mean difference ≥ 10 ms → fail",
    );
  });

  it("passes a fixed 5 s p95 threshold (numpy.percentile(canary, 95) = 193.05 ms)", () => {
    const p95 = summarize(rangeSample(CANARY_LATENCY_MS), "p95");
    expect(p95.value).toBeCloseTo(193.05, 10);
    const j = judgeThreshold(p95, { metric: "latency p95", unit: "ms", max: 5000 });
    expect(j.verdict).toBe("pass");
    expect(j.explanation).toBe("latency p95: canary 193 ms within max 5000 ms (threshold) → pass");
  });

  it("passes the seed's 2x-baseline ratio (p95 193.05 / 140.5 = 1.374) but fails a 1.2x one", () => {
    const canary = summarize(rangeSample(CANARY_LATENCY_MS), "p95");
    const stable = summarize(rangeSample(STABLE_LATENCY_MS), "p95");
    const relaxed = judgeRatio(canary, stable, { metric: "latency p95", unit: "ms" });
    expect(relaxed.verdict).toBe("pass");
    expect(relaxed.numbers.ratio as number).toBeCloseTo(193.05 / 140.5, 12);
    expect(relaxed.explanation).toBe(
      "latency p95: canary 193 ms vs stable 141 ms = 1.37× stable, within ≤ 2× (ratio to baseline) → pass",
    );
    // 193 − 141 = 52 ms: under the default 100 ms floor it passes; with a 50 ms floor it fails.
    const floored = judgeRatio(canary, stable, { metric: "latency p95", unit: "ms", maxRatio: 1.2 });
    expect(floored.verdict).toBe("pass");
    expect(floored.explanation).toContain("under the 100 ms floor (too small to matter) → pass");
    const strict = judgeRatio(canary, stable, {
      metric: "latency p95",
      unit: "ms",
      maxRatio: 1.2,
      minDelta: 50,
    });
    expect(strict.verdict).toBe("fail");
    expect(strict.explanation).toContain("above 1.2× (ratio to baseline), +52.6 ms → fail");
  });

  it("is failed on proxy histograms too (scipy on bucketed values: U=2998, p=5.287873134304552e-11)", () => {
    // Same samples bucketed at [50,75,100,125,150,200,300,500,1000] ms, each value replaced by its
    // bucket's upper bound, then scipy.stats.mannwhitneyu(..., 'greater', method='asymptotic').
    const bucketsMs = [50, 75, 100, 125, 150, 200, 300, 500, 1000];
    const stable = { bucketsMs, counts: [0, 5, 27, 48, 58, 60, 60, 60, 60], sum: 6287.2, count: 60 };
    const canary = { bucketsMs, counts: [0, 0, 5, 15, 34, 58, 60, 60, 60], sum: 8734.8, count: 60 };
    const j = judgeDistributions(
      { kind: "histogram", histogram: canary },
      { kind: "histogram", histogram: stable },
      { metric: "latency", unit: "ms" },
    );
    expect(j.verdict).toBe("fail");
    expect(j.numbers.u).toBe(2998);
    expect(j.numbers.pValue as number).toBeCloseTo(5.287873134304552e-11, 15);
  });
});

describe("statistical judge, other outcomes", () => {
  it("passes an A/A comparison", () => {
    const j = judgeDistributions(
      { kind: "values", values: STABLE_LATENCY_MS },
      { kind: "values", values: [...STABLE_LATENCY_MS].reverse() },
      { metric: "latency", unit: "ms" },
    );
    expect(j.verdict).toBe("pass");
    expect(j.explanation).toContain("no significant increase → pass");
  });

  it("waits with too few samples, saying how many it needs and has", () => {
    // scipy documentation example: exact two-sided p = 0.1111 for these samples.
    const j = judgeDistributions(
      { kind: "values", values: [19, 22, 16, 29, 24] },
      { kind: "values", values: [20, 11, 17, 12] },
      { metric: "latency", unit: "ms" },
    );
    expect(j.verdict).toBe("waiting");
    expect(j.explanation).toBe("latency: waiting for 50 observations on the canary (5 so far)");
    expect(j.waitingFor).toEqual({ side: "canary", what: "observations", needed: 50, have: 5 });
  });

  it("waits when the canary saw no traffic", () => {
    const j = judgeDistributions(
      { kind: "values", values: [] },
      { kind: "values", values: STABLE_LATENCY_MS },
      { metric: "latency", unit: "ms" },
    );
    expect(j.verdict).toBe("waiting");
    expect(j.explanation).toBe("latency: waiting for 50 observations on the canary (0 so far)");
  });

  it("is inconclusive on a flat-lined metric, explaining why", () => {
    const flat = Array.from({ length: 60 }, () => 0);
    const j = judgeDistributions(
      { kind: "values", values: flat },
      { kind: "values", values: flat },
      { metric: "request rate" },
    );
    expect(j.verdict).toBe("inconclusive");
    expect(j.explanation).toBe(
      "request rate: flat-lined, all 120 canary and stable values equal 0; nothing to compare (is the metric still updating?) → inconclusive",
    );
  });

  it("passes a significant shift smaller than the minimum effect", () => {
    const slightlySlower = STABLE_LATENCY_MS.map((v) => v * 1.05 + 2);
    const j = judgeDistributions(
      { kind: "values", values: slightlySlower },
      { kind: "values", values: STABLE_LATENCY_MS },
      { metric: "latency", unit: "ms", alpha: 0.5 },
    );
    expect(j.verdict).toBe("pass");
    expect(j.explanation).toContain("(significant, too small to matter) → pass");
  });

  it("fails a throughput drop when lower is worse", () => {
    const j = judgeDistributions(
      { kind: "values", values: STABLE_LATENCY_MS },
      { kind: "values", values: CANARY_LATENCY_MS },
      { metric: "throughput", direction: "decrease" },
    );
    expect(j.verdict).toBe("fail");
  });
});

describe("error-rate comparison", () => {
  it("fails 10 % errors against 0 % (scipy chi2_contingency([[20,180],[0,200]], correction=False): z=4.588314677411235, one-sided p=2.2341936726150184e-06)", () => {
    const j = judgeErrorRates({ total: 200, errors: 20 }, { total: 200, errors: 0 });
    expect(j.verdict).toBe("fail");
    expect(j.numbers.test).toBe("two-proportion-z");
    expect(j.numbers.z as number).toBeCloseTo(4.588314677411235, 12);
    expect(j.numbers.pValue as number).toBeCloseTo(2.2341936726150184e-6, 14);
    expect(j.explanation).toBe(
      "error rate: canary 10.0% (20/200) vs stable 0.0% (0/200), two-proportion z-test z=4.59 one-sided p=2.2e-6 < α=0.01, +10.0 pp (∞× (stable 0)) reaches +1.0 pp and 1.25× stable's rate → fail",
    );
  });

  it("passes 12 % vs 5 % at α=0.01 (scipy: one-sided p=0.03796086413450958)", () => {
    const j = judgeErrorRates({ total: 100, errors: 12 }, { total: 100, errors: 5 });
    expect(j.verdict).toBe("pass");
    expect(j.numbers.pValue as number).toBeCloseTo(0.03796086413450958, 12);
    expect(j.explanation).toContain("≥ α=0.01: no significant increase → pass");
  });

  it("switches to Fisher's exact test for sparse counts (scipy fisher_exact([[3,57],[0,60]], 'greater') = 0.12184873949579833)", () => {
    const j = judgeErrorRates({ total: 60, errors: 3 }, { total: 60, errors: 0 });
    expect(j.numbers.test).toBe("fisher-exact");
    expect(j.numbers.pValue as number).toBeCloseTo(0.12184873949579833, 12);
    expect(j.verdict).toBe("pass");
  });

  it("waits without canary traffic, never a silent pass", () => {
    const j = judgeErrorRates({ total: 0, errors: 0 }, { total: 500, errors: 1 });
    expect(j.verdict).toBe("waiting");
    expect(j.explanation).toBe("error rate: waiting for 50 requests on the canary (0 so far)");
  });
});

describe("threshold judge", () => {
  it("fails above the seed's 5 % error-rate trigger", () => {
    const sample: MetricSample = {
      values: [],
      series: [],
      window: { startMs: 0, endMs: 1 },
      requests: { total: 200, errors: 12 },
      source: "proxy",
    };
    const j = judgeThreshold(summarize(sample, "error-rate"), {
      metric: "error rate",
      unit: "ratio",
      max: 0.05,
    });
    expect(j.verdict).toBe("fail");
    expect(j.explanation).toBe("error rate: canary 6.0% > max 5.0% (threshold) → fail");
  });

  it("is inconclusive on an empty result, saying the query returned nothing", () => {
    const empty: MetricSample = {
      values: [],
      series: [],
      window: { startMs: 0, endMs: 1 },
      source: "prometheus",
    };
    const j = judgeThreshold(summarize(empty, "value"), { metric: "error rate", unit: "ratio", max: 0.05 });
    expect(j.verdict).toBe("inconclusive");
    expect(j.explanation).toBe(
      "error rate: no canary value (the query returned no data); threshold max 5.0% not checked → inconclusive",
    );
  });

  it("is inconclusive on a flat line when asked to distrust flat lines", () => {
    const j = judgeThreshold(summarize(rangeSample([0.2, 0.2, 0.2, 0.2]), "mean"), {
      metric: "cpu",
      max: 0.9,
      flatline: "inconclusive",
    });
    expect(j.verdict).toBe("inconclusive");
    expect(j.explanation).toContain("flat-lined, all 4 points equal");
    expect(
      judgeThreshold(summarize(rangeSample([0.2, 0.2]), "mean"), { metric: "cpu", max: 0.9 }).verdict,
    ).toBe("pass");
  });

  it("waits without traffic", () => {
    const sample: MetricSample = {
      values: [],
      series: [],
      window: { startMs: 0, endMs: 1 },
      requests: { total: 0, errors: 0 },
      source: "proxy",
    };
    const j = judgeThreshold(summarize(sample, "error-rate"), {
      metric: "error rate",
      unit: "ratio",
      max: 0.05,
    });
    expect(j.verdict).toBe("waiting");
    expect(j.explanation).toBe("error rate: waiting for 1 observations on the canary (0 so far)");
  });

  it("refuses a threshold without bounds", () => {
    expect(() => judgeThreshold({ value: 1, n: 1, flat: false }, { metric: "x" })).toThrow(/min or max/);
  });
});

describe("ratio judge", () => {
  it("waits when the stable revision has no traffic yet", () => {
    const j = judgeRatio(
      { value: 120, n: 10, flat: false },
      {
        value: Number.NaN,
        n: 0,
        flat: false,
        noData: "no traffic: 0 requests in the window",
        noTraffic: true,
      },
      { metric: "latency p95", unit: "ms", observations: "requests" },
    );
    expect(j.verdict).toBe("waiting");
    expect(j.explanation).toBe("latency p95: waiting for 1 requests on the stable (0 so far)");
  });

  it("is inconclusive when the stable revision's metric has no data at all", () => {
    const j = judgeRatio(
      { value: 120, n: 10, flat: false },
      { value: Number.NaN, n: 0, flat: false, noData: "the query returned no data" },
      { metric: "latency p95", unit: "ms" },
    );
    expect(j.verdict).toBe("inconclusive");
    expect(j.explanation).toBe(
      "latency p95: canary 120 ms vs stable no data; no ratio (stable: the query returned no data) → inconclusive",
    );
  });
  it("fails when stable is 0 and canary is not", () => {
    const j = judgeRatio(
      { value: 0.1, n: 100, flat: false },
      { value: 0, n: 100, flat: false },
      { metric: "error rate", unit: "ratio" },
    );
    expect(j.verdict).toBe("fail");
    expect(j.explanation).toContain("∞× (stable is 0)");
  });
});
