import { normalSf } from "./normal.js";

/**
 * Mann–Whitney U (Wilcoxon rank-sum) test of whether one sample tends to have larger values than
 * another. Works on raw values and on grouped data (histogram buckets as ordered categories),
 * with mid-ranks for ties, the tie-corrected variance, and a continuity correction, the same
 * conventions as scipy.stats.mannwhitneyu so its numbers can be checked against scipy.
 */

export type Alternative = "greater" | "less" | "two-sided";
export type MannWhitneyMethod = "auto" | "exact" | "asymptotic";

/** One distinct value and how many times it occurs in each sample (x = first, y = second). */
export interface GroupedValue {
  value: number;
  x: number;
  y: number;
}

export interface MannWhitneyResult {
  /** U of the first sample: pairs (xi, yj) with xi > yj, plus half the ties. */
  u: number;
  n1: number;
  n2: number;
  pValue: number;
  /** z of the normal approximation (NaN when the exact distribution was used). */
  z: number;
  method: "exact" | "asymptotic";
  alternative: Alternative;
  /** True when some value occurs more than once across both samples. */
  ties: boolean;
  /** Common-language effect size: P(X > Y) + P(X = Y) / 2 (Vargha–Delaney A), U / (n1 n2). */
  cles: number;
}

/** Samples with no more pairs than this use the exact distribution under method "auto" (no ties). */
export const EXACT_MAX_PAIRS = 10_000;

/** Merge two raw samples into grouped form, ascending by value. NaN values are dropped. */
export function groupSamples(xs: readonly number[], ys: readonly number[]): GroupedValue[] {
  const map = new Map<number, GroupedValue>();
  const add = (v: number, key: "x" | "y") => {
    if (Number.isNaN(v)) return;
    let g = map.get(v);
    if (!g) {
      g = { value: v, x: 0, y: 0 };
      map.set(v, g);
    }
    g[key] += 1;
  };
  for (const v of xs) add(v, "x");
  for (const v of ys) add(v, "y");
  return [...map.values()].sort((a, b) => a.value - b.value);
}

/** Mann–Whitney U over raw samples. */
export function mannWhitneyU(
  xs: readonly number[],
  ys: readonly number[],
  options: { alternative?: Alternative; method?: MannWhitneyMethod; continuity?: boolean } = {},
): MannWhitneyResult {
  return mannWhitneyGrouped(groupSamples(xs, ys), options);
}

/** Mann–Whitney U over grouped data (ascending by value; equal values must share one group). */
export function mannWhitneyGrouped(
  groups: readonly GroupedValue[],
  options: { alternative?: Alternative; method?: MannWhitneyMethod; continuity?: boolean } = {},
): MannWhitneyResult {
  const alternative = options.alternative ?? "two-sided";
  const continuity = options.continuity ?? true;
  let n1 = 0;
  let n2 = 0;
  for (const g of groups) {
    n1 += g.x;
    n2 += g.y;
  }
  if (n1 === 0 || n2 === 0) throw new RangeError("Mann–Whitney U needs at least one value in each sample");
  const n = n1 + n2;
  let before = 0;
  let rankSumX = 0;
  let tieTerm = 0;
  let ties = false;
  for (const g of groups) {
    const t = g.x + g.y;
    if (t === 0) continue;
    if (t > 1) ties = true;
    const midRank = before + (t + 1) / 2;
    rankSumX += g.x * midRank;
    tieTerm += t * t * t - t;
    before += t;
  }
  const u1 = rankSumX - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const cles = u1 / (n1 * n2);

  const requested = options.method ?? "auto";
  const method: "exact" | "asymptotic" =
    requested === "auto" ? (!ties && n1 * n2 <= EXACT_MAX_PAIRS ? "exact" : "asymptotic") : requested;
  if (method === "exact" && ties) {
    throw new RangeError("the exact Mann–Whitney distribution assumes no ties; use the asymptotic method");
  }

  if (method === "exact") {
    const dist = exactUDistribution(n1, n2);
    const pGreaterOrEqual = (u: number) => upperTail(dist, u);
    let p: number;
    switch (alternative) {
      case "greater":
        p = pGreaterOrEqual(u1);
        break;
      case "less":
        p = pGreaterOrEqual(u2);
        break;
      case "two-sided":
        p = Math.min(1, 2 * pGreaterOrEqual(Math.max(u1, u2)));
        break;
      default: {
        const never: never = alternative;
        throw new Error(`unknown alternative ${String(never)}`);
      }
    }
    return { u: u1, n1, n2, pValue: p, z: Number.NaN, method, alternative, ties, cles };
  }

  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const cc = continuity ? 0.5 : 0;
  let z: number;
  let p: number;
  if (sigma === 0) {
    // Every value tied: the samples cannot be told apart, so no evidence either way.
    z = 0;
    p = 1;
  } else {
    switch (alternative) {
      case "greater":
        z = (u1 - mu - cc) / sigma;
        p = normalSf(z);
        break;
      case "less":
        z = (u2 - mu - cc) / sigma;
        p = normalSf(z);
        break;
      case "two-sided":
        z = (Math.max(u1, u2) - mu - cc) / sigma;
        p = Math.min(1, 2 * normalSf(z));
        break;
      default: {
        const never: never = alternative;
        throw new Error(`unknown alternative ${String(never)}`);
      }
    }
  }
  return { u: u1, n1, n2, pValue: p, z, method, alternative, ties, cles };
}

/**
 * P(U = u) for u = 0..n1·n2 under the null hypothesis without ties. The number of arrangements
 * with U = u is the coefficient of q^u in the Gaussian binomial [n1+n2 choose n1]_q, built as
 * ∏ (1 - q^(n+i)) / (1 - q^i); dividing right after each multiplication keeps every coefficient a
 * non-negative count, so floating point stays accurate.
 */
export function exactUDistribution(n1: number, n2: number): Float64Array {
  const m = Math.min(n1, n2);
  const n = Math.max(n1, n2);
  const size = m * n + 1;
  const c = new Float64Array(size);
  c[0] = 1;
  for (let i = 1; i <= m; i++) {
    const shift = n + i;
    for (let k = size - 1; k >= shift; k--) c[k] = (c[k] as number) - (c[k - shift] as number);
    for (let k = i; k < size; k++) c[k] = (c[k] as number) + (c[k - i] as number);
  }
  let total = 0;
  for (const v of c) total += v;
  for (let k = 0; k < size; k++) c[k] = (c[k] as number) / total;
  return c;
}

/** P(U >= u) from a distribution; u may be fractional only with ties, which the exact path refuses. */
function upperTail(dist: Float64Array, u: number): number {
  let p = 0;
  for (let k = Math.ceil(u); k < dist.length; k++) p += dist[k] as number;
  return Math.min(1, p);
}

/**
 * Hodges–Lehmann estimate of the shift between the samples: the median of all differences
 * x_i - y_j, computed over grouped data with weights. Undefined (NaN) past `maxPairs` distinct
 * value pairs, where the cost would outweigh the use.
 */
export function hodgesLehmannShift(groups: readonly GroupedValue[], maxPairs = 1_000_000): number {
  const xs = groups.filter((g) => g.x > 0);
  const ys = groups.filter((g) => g.y > 0);
  if (xs.length === 0 || ys.length === 0 || xs.length * ys.length > maxPairs) return Number.NaN;
  const diffs: { d: number; w: number }[] = [];
  let total = 0;
  for (const gx of xs) {
    for (const gy of ys) {
      const w = gx.x * gy.y;
      diffs.push({ d: gx.value - gy.value, w });
      total += w;
    }
  }
  diffs.sort((a, b) => a.d - b.d);
  // Weighted median with the convention of the plain median: average the two middle values when
  // the total count is even and they fall in different groups.
  const lowRank = Math.floor((total - 1) / 2);
  const highRank = Math.floor(total / 2);
  let seen = 0;
  let low = Number.NaN;
  for (const { d, w } of diffs) {
    if (Number.isNaN(low) && seen + w > lowRank) low = d;
    if (seen + w > highRank) return (low + d) / 2;
    seen += w;
  }
  return low;
}
