/** Descriptive statistics over plain number arrays. Empty input gives NaN, never a throw. */

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample variance (n - 1 denominator); NaN below two values. */
export function variance(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) * (v - m);
  return ss / (values.length - 1);
}

export function stddev(values: readonly number[]): number {
  return Math.sqrt(variance(values));
}

/**
 * The q-th percentile (0..100) by linear interpolation between closest ranks: the "type 7" rule
 * used by numpy.percentile, R's quantile() and spreadsheets, so numbers match what people check.
 */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0 || Number.isNaN(q)) return Number.NaN;
  if (q < 0 || q > 100) throw new RangeError(`percentile must be within 0..100, got ${q}`);
  const sorted = [...values].sort((a, b) => a - b);
  return percentileOfSorted(sorted, q);
}

export function percentileOfSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * (q / 100);
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  const low = sorted[lo] as number;
  const high = sorted[hi] as number;
  return low + (h - lo) * (high - low);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** True when every value is the same (a flat line); false for empty input. */
export function isFlat(values: readonly number[]): boolean {
  if (values.length === 0) return false;
  const first = values[0] as number;
  return values.every((v) => v === first || (Number.isNaN(v) && Number.isNaN(first)));
}

/**
 * A latency histogram as the proxy keeps it: cumulative counts per upper bound (Prometheus
 * style). `sum`/`count` make the mean exact even though single values are lost.
 */
export interface CumulativeHistogram {
  bucketsMs: readonly number[];
  counts: readonly number[];
  sum: number;
  count: number;
}

/**
 * The q-th quantile (0..1) of a cumulative histogram, interpolated linearly inside the bucket the
 * way Prometheus' histogram_quantile() does (lower bound of the first bucket is 0). Observations
 * above the last finite bound report that bound. NaN when the histogram is empty.
 */
export function histogramQuantile(h: CumulativeHistogram, q: number): number {
  if (h.count <= 0 || h.bucketsMs.length === 0) return Number.NaN;
  const rank = q * h.count;
  let prevBound = 0;
  let prevCount = 0;
  for (let i = 0; i < h.bucketsMs.length; i++) {
    const bound = h.bucketsMs[i] as number;
    const cumulative = h.counts[i] as number;
    if (cumulative >= rank && cumulative > prevCount) {
      if (!Number.isFinite(bound)) return prevBound;
      return prevBound + ((bound - prevBound) * (rank - prevCount)) / (cumulative - prevCount);
    }
    prevBound = Number.isFinite(bound) ? bound : prevBound;
    prevCount = cumulative;
  }
  return prevBound;
}

/** Per-bucket (non-cumulative) counts of a cumulative histogram, plus the overflow above the last bound. */
export function bucketCounts(h: CumulativeHistogram): { upperBounds: number[]; counts: number[] } {
  const upperBounds: number[] = [];
  const counts: number[] = [];
  let prev = 0;
  for (let i = 0; i < h.bucketsMs.length; i++) {
    const c = h.counts[i] as number;
    upperBounds.push(h.bucketsMs[i] as number);
    counts.push(Math.max(0, c - prev));
    prev = c;
  }
  if (h.count > prev) {
    upperBounds.push(Number.POSITIVE_INFINITY);
    counts.push(h.count - prev);
  }
  return { upperBounds, counts };
}
