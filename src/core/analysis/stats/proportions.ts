import { normalSf } from "./normal.js";
import type { Alternative } from "./mann-whitney.js";

/**
 * Tests on two proportions (error rates): "x1 of n1 canary requests failed, x2 of n2 stable
 * requests failed". Counts, not per-interval ratios, so every request is evidence.
 */

export interface Proportion {
  /** Events (e.g. failed requests). */
  x: number;
  /** Trials (e.g. all requests). */
  n: number;
}

export interface TwoProportionResult {
  p1: number;
  p2: number;
  pooled: number;
  z: number;
  pValue: number;
  alternative: Alternative;
}

function checkProportion(label: string, p: Proportion): void {
  if (!Number.isInteger(p.x) || !Number.isInteger(p.n) || p.n <= 0 || p.x < 0 || p.x > p.n) {
    throw new RangeError(`${label}: need whole counts with 0 <= x <= n and n > 0, got x=${p.x} n=${p.n}`);
  }
}

/**
 * Pooled two-proportion z-test (the textbook test; z² equals Pearson's chi-squared without Yates'
 * correction on the 2×2 table). "greater" asks whether the first proportion is larger.
 */
export function twoProportionZTest(
  a: Proportion,
  b: Proportion,
  alternative: Alternative = "two-sided",
): TwoProportionResult {
  checkProportion("first sample", a);
  checkProportion("second sample", b);
  const p1 = a.x / a.n;
  const p2 = b.x / b.n;
  const pooled = (a.x + b.x) / (a.n + b.n);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n));
  // Both samples all-success or all-failure: identical, no evidence of a difference.
  if (se === 0) return { p1, p2, pooled, z: 0, pValue: 1, alternative };
  const z = (p1 - p2) / se;
  let pValue: number;
  switch (alternative) {
    case "greater":
      pValue = normalSf(z);
      break;
    case "less":
      pValue = normalSf(-z);
      break;
    case "two-sided":
      pValue = Math.min(1, 2 * normalSf(Math.abs(z)));
      break;
    default: {
      const never: never = alternative;
      throw new Error(`unknown alternative ${String(never)}`);
    }
  }
  return { p1, p2, pooled, z, pValue, alternative };
}

/**
 * Fisher's exact test on the 2×2 table [[x1, n1-x1], [x2, n2-x2]], for counts too small for the
 * normal approximation. "greater" = the first proportion is larger (odds ratio > 1), as in
 * scipy.stats.fisher_exact. Hypergeometric terms are built by ratios in log space, so large
 * tables neither overflow nor need a log-gamma function.
 */
export function fisherExact(a: Proportion, b: Proportion, alternative: Alternative = "two-sided"): number {
  checkProportion("first sample", a);
  checkProportion("second sample", b);
  const total = a.n + b.n;
  const events = a.x + b.x;
  const lo = Math.max(0, events - b.n);
  const hi = Math.min(events, a.n);
  // log of unnormalised P(X = k) for k = lo..hi, X = events falling in the first sample.
  const logW: number[] = [0];
  for (let k = lo; k < hi; k++) {
    const ratio = ((a.n - k) * (events - k)) / ((k + 1) * (total - a.n - events + k + 1));
    logW.push((logW[logW.length - 1] as number) + Math.log(ratio));
  }
  const maxLog = Math.max(...logW);
  const w = logW.map((l) => Math.exp(l - maxLog));
  const sum = w.reduce((s, v) => s + v, 0);
  const prob = (k: number) => (w[k - lo] as number) / sum;
  let p = 0;
  switch (alternative) {
    case "greater":
      for (let k = a.x; k <= hi; k++) p += prob(k);
      break;
    case "less":
      for (let k = lo; k <= a.x; k++) p += prob(k);
      break;
    case "two-sided": {
      // Sum the tables no more likely than the observed one (relative tolerance as in scipy).
      const observed = prob(a.x) * (1 + 1e-7);
      for (let k = lo; k <= hi; k++) if (prob(k) <= observed) p += prob(k);
      break;
    }
    default: {
      const never: never = alternative;
      throw new Error(`unknown alternative ${String(never)}`);
    }
  }
  return Math.min(1, p);
}

/** Smallest expected cell count of the 2×2 table; below 5 the z-test's approximation is poor. */
export function minExpectedCount(a: Proportion, b: Proportion): number {
  const total = a.n + b.n;
  const events = a.x + b.x;
  const nonEvents = total - events;
  return Math.min(
    (a.n * events) / total,
    (a.n * nonEvents) / total,
    (b.n * events) / total,
    (b.n * nonEvents) / total,
  );
}
