import { describe, expect, it } from "vitest";
import { normalQuantile, normalSf } from "../analysis/stats/normal.js";
import { alwaysValidInterval } from "./always-valid.js";
import { chiSquareSf, logGamma } from "./chi-square.js";
import { experimentResults, type VariantData } from "./results.js";
import { armVariance, relativeLift, type Arm } from "./lift.js";
import { sampleRatioCheck } from "./sample-ratio.js";

/** A 0/1 metric: `users` exposed, `conversions` converted. */
const conversions = (users: number, converted: number): Arm => ({
  n: users,
  sum: converted,
  sumOfSquares: converted,
});

describe("chi-square upper tail", () => {
  it("matches published critical values (scipy.stats.chi2.isf)", () => {
    expect(chiSquareSf(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
    expect(chiSquareSf(5.991464547107979, 2)).toBeCloseTo(0.05, 12);
    expect(chiSquareSf(7.814727903251178, 3)).toBeCloseTo(0.05, 12);
    expect(chiSquareSf(10.827566170662733, 1)).toBeCloseTo(0.001, 12);
    expect(chiSquareSf(16.26623619623813, 3)).toBeCloseTo(0.001, 12);
  });

  it("agrees with the closed forms: exp(−x/2) for 2 degrees, 2·P(Z > √x) for 1", () => {
    for (const x of [0.01, 0.5, 2, 9, 40, 120]) {
      expect(chiSquareSf(x, 2) / Math.exp(-x / 2)).toBeCloseTo(1, 10);
      expect(chiSquareSf(x, 1) / (2 * normalSf(Math.sqrt(x)))).toBeCloseTo(1, 8);
    }
    expect(chiSquareSf(0, 4)).toBe(1);
  });

  it("has ln Γ exact at integers and one half", () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });

  it("refuses degrees of freedom that are not whole", () => {
    expect(() => chiSquareSf(1, 0)).toThrow(/degrees of freedom/);
  });
});

describe("normal quantile", () => {
  it("inverts the normal distribution to full precision", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 11);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 9);
  });
});

describe("sample-ratio mismatch", () => {
  it("passes 50,000 against 49,000 on a 50/50 split and flags 50,000 against 48,800", () => {
    // Expected 49,500 each: χ² = 2 · 500² / 49,500 = 10.10; with one degree p = 2·P(Z > √10.10).
    const near = sampleRatioCheck([50_000, 49_000], [50, 50]);
    expect(near.chiSquare).toBeCloseTo((2 * 500 ** 2) / 49_500, 10);
    expect(near.pValue).toBeCloseTo(2 * normalSf(Math.sqrt((2 * 500 ** 2) / 49_500)), 12);
    expect(near.pValue).toBeGreaterThan(0.001);
    expect(near.mismatch).toBe(false);
    // Expected 49,400 each: χ² = 2 · 600² / 49,400 = 14.57, p ≈ 0.000135.
    const far = sampleRatioCheck([50_000, 48_800], [1, 1]);
    expect(far.pValue).toBeCloseTo(2 * normalSf(Math.sqrt((2 * 600 ** 2) / 49_400)), 12);
    expect(far.mismatch).toBe(true);
  });

  it("compares against unequal allocations and three arms", () => {
    // 10/90 split of 10,000: expected 1,000 and 9,000; χ² = 100²/1000 + 100²/9000.
    const check = sampleRatioCheck([1_100, 8_900], [10, 90]);
    expect(check.chiSquare).toBeCloseTo(10_000 / 1_000 + 10_000 / 9_000, 10);
    const three = sampleRatioCheck([3_000, 3_000, 3_000], [1, 1, 1]);
    expect(three).toMatchObject({ chiSquare: 0, degrees: 2, pValue: 1, mismatch: false });
  });

  it("calls exposures of an arm with weight 0 a mismatch, and no exposures no evidence", () => {
    expect(sampleRatioCheck([10, 5], [1, 0]).mismatch).toBe(true);
    expect(sampleRatioCheck([0, 0], [1, 1])).toMatchObject({ pValue: 1, mismatch: false });
  });
});

describe("relative lift (delta method)", () => {
  it("reproduces the worked example: 100/1000 against 120/1000", () => {
    const control = conversions(1_000, 100);
    const treatment = conversions(1_000, 120);
    // Sample variance of 0/1 values: (x − n·p²)/(n − 1); the mean's variance divides by n again.
    const varMc = (100 - 1_000 * 0.1 ** 2) / 999 / 1_000;
    const varMt = (120 - 1_000 * 0.12 ** 2) / 999 / 1_000;
    const variance = varMt / 0.1 ** 2 + (0.12 ** 2 * varMc) / 0.1 ** 4;
    const lift = relativeLift(treatment, control);
    expect(lift.estimate).toBeCloseTo(0.2, 12);
    expect(lift.variance).toBeCloseTo(variance, 12);
    expect(lift.interval.lower).toBeCloseTo(0.2 - 1.959963984540054 * Math.sqrt(variance), 10);
    expect(lift.interval.upper).toBeCloseTo(0.2 + 1.959963984540054 * Math.sqrt(variance), 10);
    expect(lift.interval.lower).toBeLessThan(0); // 20 % on 1,000 users each is not yet shown
  });

  it("handles numeric metrics through sums of squares", () => {
    // Values 1, 2, 3, 4: mean 2.5, sample variance 5/3.
    expect(armVariance({ n: 4, sum: 10, sumOfSquares: 30 })).toBeCloseTo(5 / 3, 12);
  });

  it("is undefined while the control mean is 0", () => {
    expect(relativeLift(conversions(100, 3), conversions(100, 0)).estimate).toBeNaN();
  });
});

describe("always-valid interval", () => {
  it("follows the mSPRT boundary formula and is wider than the fixed-horizon interval", () => {
    const v = 0.01;
    const tau2 = 0.1 ** 2;
    const half = Math.sqrt(((v * (v + tau2)) / tau2) * (2 * Math.log(20) + Math.log((v + tau2) / v)));
    const interval = alwaysValidInterval(0.05, v, 0.05, 0.1);
    expect(interval.lower).toBeCloseTo(0.05 - half, 12);
    expect(interval.upper).toBeCloseTo(0.05 + half, 12);
    expect(half).toBeGreaterThan(1.96 * Math.sqrt(v));
  });
});

/** mulberry32: a small seeded generator, so the simulations give the same counts every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A binomial draw by inverting its distribution function: one uniform per batch, not one per user. */
function binomial(n: number, p: number, next: () => number): number {
  const u = next();
  let pmf = (1 - p) ** n;
  let cdf = pmf;
  let k = 0;
  while (cdf < u && k < n) {
    pmf *= ((n - k) / (k + 1)) * (p / (1 - p));
    k++;
    cdf += pmf;
  }
  return k;
}

/**
 * Runs `experiments` two-arm experiments with the given true rates, looking after every batch of
 * `batch` users per arm, and counts those where the chosen interval ever excluded 0.
 */
function everSignificant(opts: {
  control: number;
  treatment: number;
  experiments: number;
  looks: number;
  batch: number;
  seed: number;
}) {
  const next = random(opts.seed);
  let alwaysValid = 0;
  let fixedHorizon = 0;
  for (let e = 0; e < opts.experiments; e++) {
    const a: Arm = conversions(0, 0);
    const b: Arm = conversions(0, 0);
    let avHit = false;
    let fixedHit = false;
    for (let look = 0; look < opts.looks; look++) {
      const ca = binomial(opts.batch, opts.control, next);
      const cb = binomial(opts.batch, opts.treatment, next);
      a.n += opts.batch;
      a.sum += ca;
      a.sumOfSquares += ca;
      b.n += opts.batch;
      b.sum += cb;
      b.sumOfSquares += cb;
      const result = experimentResults({
        control: "a",
        variants: [
          { variant: "a", weight: 1, arm: a },
          { variant: "b", weight: 1, arm: b },
        ],
      }).variants[1]!;
      if (result.verdict === "better" || result.verdict === "worse") avHit = true;
      if (result.lift && (result.lift.interval.lower > 0 || result.lift.interval.upper < 0)) fixedHit = true;
    }
    if (avHit) alwaysValid++;
    if (fixedHit) fixedHorizon++;
  }
  return { alwaysValid: alwaysValid / opts.experiments, fixedHorizon: fixedHorizon / opts.experiments };
}

// Simulations: tens of thousands of looks, a few seconds on a loaded machine.
describe("peeking", { timeout: 60_000 }, () => {
  it("under A/A, the always-valid interval excludes 0 in at most 5 % of experiments checked after every batch", () => {
    const rates = everSignificant({
      control: 0.1,
      treatment: 0.1,
      experiments: 400,
      looks: 40,
      batch: 200,
      seed: 7,
    });
    expect(rates.alwaysValid).toBeLessThanOrEqual(0.05);
    // The point of it: the fixed-horizon interval, looked at as often, "finds" an effect far more often.
    expect(rates.fixedHorizon).toBeGreaterThan(0.1);
  });

  it("still finds a real 20 % lift in most experiments by 8,000 users per arm", () => {
    const rates = everSignificant({
      control: 0.1,
      treatment: 0.12,
      experiments: 200,
      looks: 40,
      batch: 200,
      seed: 11,
    });
    expect(rates.alwaysValid).toBeGreaterThan(0.5);
  });
});

describe("experiment results", () => {
  const arms = (a: Arm, b: Arm, weights: [number, number] = [1, 1]): VariantData[] => [
    { variant: "control", weight: weights[0], arm: a },
    { variant: "treatment", weight: weights[1], arm: b },
  ];

  it("names a winner only when its always-valid interval clears control", () => {
    const clear = experimentResults({
      control: "control",
      variants: arms(conversions(20_000, 2_000), conversions(20_000, 2_600)),
    });
    expect(clear.variants[1]!.verdict).toBe("better");
    expect(clear.winner).toBe("treatment");
    const unclear = experimentResults({
      control: "control",
      variants: arms(conversions(2_000, 200), conversions(2_000, 220)),
    });
    expect(unclear.variants[1]!.verdict).toBe("inconclusive");
    expect(unclear.winner).toBeNull();
  });

  it("reads a lower value as better for a metric that should decrease", () => {
    // Latency in ms: 1,000 users each, treatment 10 % faster with the same spread.
    const arm = (n: number, mean: number, sd: number): Arm => ({
      n,
      sum: n * mean,
      sumOfSquares: (n - 1) * sd * sd + n * mean * mean,
    });
    const result = experimentResults({
      control: "control",
      direction: "decrease",
      variants: arms(arm(5_000, 200, 20), arm(5_000, 180, 20)),
    });
    expect(result.variants[1]!.verdict).toBe("better");
  });

  it("withholds every verdict on a sample-ratio mismatch", () => {
    const result = experimentResults({
      control: "control",
      variants: arms(conversions(20_000, 2_000), conversions(18_000, 2_400)),
    });
    expect(result.sampleRatio.mismatch).toBe(true);
    expect(result.trustworthy).toBe(false);
    expect(result.winner).toBeNull();
  });

  it("says too few users before 100 per arm and refuses an unknown control", () => {
    const result = experimentResults({
      control: "control",
      variants: arms(conversions(50, 5), conversions(50, 9)),
    });
    expect(result.variants[1]!.verdict).toBe("too few users");
    expect(() =>
      experimentResults({ control: "nope", variants: arms(conversions(1, 0), conversions(1, 0)) }),
    ).toThrow(/control variant "nope"/);
  });
});
