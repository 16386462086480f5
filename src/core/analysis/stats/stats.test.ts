/**
 * Reference values below were computed independently with scipy 1.17.1 / numpy 2.4.6
 * (python3, `scipy.stats.mannwhitneyu`, `chi2_contingency(correction=False)`, `fisher_exact`,
 * `norm.sf`, `numpy.percentile`); the script is quoted in docs/analysis.md ("How the numbers are
 * checked"). Example A is the one in scipy's mannwhitneyu documentation (Conover's males/females).
 */
import { describe, expect, it } from "vitest";
import { bucketCounts, histogramQuantile, isFlat, mean, median, percentile } from "./descriptive.js";
import { exactUDistribution, hodgesLehmannShift, groupSamples, mannWhitneyU } from "./mann-whitney.js";
import { normalCdf, normalSf } from "./normal.js";
import { fisherExact, minExpectedCount, twoProportionZTest } from "./proportions.js";
import { CANARY_LATENCY_MS, STABLE_LATENCY_MS } from "./reference-data.js";

const close = (actual: number, expected: number, rel = 1e-9) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * rel + 1e-300);

describe("normal distribution", () => {
  it.each([
    [0, 0.5, 0.5],
    [1.96, 0.024997895148220435, 0.9750021048517795],
    [-1.2, 0.8849303297782918, 0.11506967022170822],
    [3, 0.0013498980316300933, 0.9986501019683699],
    [5, 2.866515718791933e-7, 0.9999997133484281],
    [8.5, 9.47953482220325e-18, 1],
    [12, 1.776482112077653e-33, 1],
  ])("z=%s matches scipy.stats.norm (sf %s, cdf %s) to 1e-8 relative", (z, sf, cdf) => {
    close(normalSf(z), sf, 1e-8);
    close(normalCdf(z), cdf, 1e-8);
  });
  it("propagates NaN", () => {
    expect(normalSf(Number.NaN)).toBeNaN();
  });
});

describe("descriptive statistics", () => {
  it("percentiles follow numpy.percentile's linear rule", () => {
    const v = [15, 20, 35, 40, 50, 3, 7, 1000];
    const expected = [3.0, 13.0, 27.5, 334.99999999999983, 667.4999999999995, 933.4999999999998, 1000.0];
    [0, 25, 50, 90, 95, 99, 100].forEach((q, i) => close(percentile(v, q), expected[i] as number, 1e-12));
    expect(median(v)).toBe(27.5);
  });
  it("answers NaN for empty input and refuses out-of-range percentiles", () => {
    expect(percentile([], 95)).toBeNaN();
    expect(mean([])).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(/0\.\.100/);
  });
  it("detects flat lines", () => {
    expect(isFlat([3, 3, 3])).toBe(true);
    expect(isFlat([3, 3.0001])).toBe(false);
    expect(isFlat([])).toBe(false);
  });
  it("interpolates histogram quantiles like Prometheus histogram_quantile", () => {
    // 100 observations: 50 in (0,10], 40 in (10,100], 10 in (100,1000]. p50 = 10 exactly;
    // p90 = 100; p95 = 100 + 900 * (95-90)/10 = 550 (hand-computed from the PromQL definition).
    const h = { bucketsMs: [10, 100, 1000], counts: [50, 90, 100], sum: 12345, count: 100 };
    expect(histogramQuantile(h, 0.5)).toBe(10);
    expect(histogramQuantile(h, 0.9)).toBe(100);
    expect(histogramQuantile(h, 0.95)).toBe(550);
    expect(histogramQuantile({ ...h, counts: [0, 0, 0], count: 0 }, 0.5)).toBeNaN();
    expect(bucketCounts({ ...h, counts: [50, 90, 95] })).toEqual({
      upperBounds: [10, 100, 1000, Number.POSITIVE_INFINITY],
      counts: [50, 40, 5, 5],
    });
  });
});

describe("Mann–Whitney U", () => {
  const males = [19, 22, 16, 29, 24];
  const females = [20, 11, 17, 12];
  it.each([
    ["exact", "two-sided", 0.1111111111111111],
    ["exact", "greater", 0.05555555555555555],
    ["exact", "less", 0.9682539682539683],
    ["asymptotic", "two-sided", 0.11134688653314041],
    ["asymptotic", "greater", 0.055673443266570206],
    ["asymptotic", "less", 0.9669037101389033],
  ] as const)("scipy's documented example, %s %s: U=17, p=%s", (method, alternative, p) => {
    const r = mannWhitneyU(males, females, { method, alternative });
    expect(r.u).toBe(17);
    close(r.pValue, p, 1e-9);
  });

  it.each([
    ["two-sided", 0.15959894244264883],
    ["greater", 0.9361986054092664],
    ["less", 0.07979947122132441],
  ] as const)("applies the tie correction (asymptotic, %s, p=%s)", (alternative, p) => {
    const r = mannWhitneyU([1, 2, 2, 3, 4, 4, 4, 5], [2, 3, 3, 5, 6, 6, 7], { alternative });
    expect(r.ties).toBe(true);
    expect(r.method).toBe("asymptotic");
    expect(r.u).toBe(15.5);
    close(r.pValue, p, 1e-9);
  });

  it("uses the exact distribution for small samples without ties (scipy method='exact')", () => {
    const x = [3.1, 4.7, 2.2, 8.9, 5.5, 6.1, 7.3, 1.4, 9.8, 0.6];
    const y = [2.5, 3.3, 4.1, 1.9, 0.8, 5.0, 2.9, 3.8, 1.1, 4.4, 0.3, 2.0];
    const greater = mannWhitneyU(x, y, { alternative: "greater" });
    expect(greater.method).toBe("exact");
    expect(greater.u).toBe(87);
    close(greater.pValue, 0.040210563430377676, 1e-9);
    close(mannWhitneyU(x, y).pValue, 0.08042112686075535, 1e-9);
  });

  it("keeps the exact distribution accurate at 30 × 30", () => {
    const xs = Array.from({ length: 30 }, (_, i) => i * 2);
    const ys = Array.from({ length: 30 }, (_, i) => 10 + i * 2 + 0.5);
    const r = mannWhitneyU(xs, ys, { alternative: "less", method: "exact" });
    expect(r.u).toBe(300);
    close(r.pValue, 0.013165980151289586, 1e-9);
    const dist = exactUDistribution(30, 30);
    expect(dist.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(Math.min(...dist)).toBeGreaterThan(0);
  });

  it("refuses the exact method with ties, and empty samples", () => {
    expect(() => mannWhitneyU([1, 1], [2], { method: "exact" })).toThrow(/ties/);
    expect(() => mannWhitneyU([], [2])).toThrow(/at least one value/);
  });

  it("gives p = 1 when every value is tied", () => {
    const r = mannWhitneyU([5, 5, 5], [5, 5]);
    expect(r.pValue).toBe(1);
  });

  it("detects a 1.5x latency shift (scipy: U=3035, p=4.6009840296689985e-11; HL shift 40.2 ms)", () => {
    const r = mannWhitneyU(CANARY_LATENCY_MS, STABLE_LATENCY_MS, { alternative: "greater" });
    expect(r.u).toBe(3035);
    expect(r.method).toBe("asymptotic");
    close(r.pValue, 4.6009840296689985e-11, 1e-7);
    close(mannWhitneyU(CANARY_LATENCY_MS, STABLE_LATENCY_MS).pValue, 9.201968059337997e-11, 1e-7);
    close(hodgesLehmannShift(groupSamples(CANARY_LATENCY_MS, STABLE_LATENCY_MS)), 40.2, 1e-9);
    close(r.cles, 3035 / 3600, 1e-12);
  });
});

describe("two proportions", () => {
  it.each([
    [20, 200, 0, 200, 4.588314677411235, 2.2341936726150184e-6],
    [12, 100, 5, 100, 1.7748556290633897, 0.03796086413450958],
    [30, 1000, 10, 1000, 3.1943828249996997, 0.000700650790480107],
  ])(
    "z-test %s/%s vs %s/%s: z=%s, one-sided p=%s (scipy chi2_contingency, z = sqrt(chi2))",
    (x1, n1, x2, n2, z, p) => {
      const r = twoProportionZTest({ x: x1, n: n1 }, { x: x2, n: n2 }, "greater");
      close(r.z, z, 1e-12);
      close(r.pValue, p, 1e-9);
      close(twoProportionZTest({ x: x1, n: n1 }, { x: x2, n: n2 }).pValue, 2 * p, 1e-9);
    },
  );

  it("z-test with no events anywhere: no evidence, p = 1", () => {
    expect(twoProportionZTest({ x: 0, n: 50 }, { x: 0, n: 80 }, "greater").pValue).toBe(1);
  });

  it("refuses impossible counts", () => {
    expect(() => twoProportionZTest({ x: 5, n: 3 }, { x: 0, n: 1 })).toThrow(/0 <= x <= n/);
    expect(() => twoProportionZTest({ x: 0, n: 0 }, { x: 0, n: 1 })).toThrow(/n > 0/);
  });

  it.each([
    [6, 8, 1, 5, "two-sided", 0.10256410256410256],
    [6, 8, 1, 5, "greater", 0.08624708624708625],
    [6, 8, 1, 5, "less", 0.9953379953379954],
    [3, 10, 0, 10, "two-sided", 0.21052631578947367],
    [3, 10, 0, 10, "greater", 0.10526315789473684],
    [3, 10, 0, 10, "less", 1.0],
    [1, 50, 0, 50, "two-sided", 1.0],
    [1, 50, 0, 50, "greater", 0.5],
  ] as const)("Fisher exact %s/%s vs %s/%s %s = %s (scipy fisher_exact)", (x1, n1, x2, n2, alt, p) => {
    close(fisherExact({ x: x1, n: n1 }, { x: x2, n: n2 }, alt), p, 1e-9);
  });

  it("computes the smallest expected cell", () => {
    expect(minExpectedCount({ x: 3, n: 10 }, { x: 0, n: 10 })).toBe(1.5);
  });
});
