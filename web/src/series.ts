import type { MetricRunState } from "./types.js";

/** One point of a metric chart: when it was measured, the canary and stable values, the verdict. */
export interface Point {
  at: number;
  canary: number | null;
  stable: number | null;
  phase: string;
  explanation: string;
}

/**
 * Which `numbers` a judge reports as the canary's and the stable's value, in order of preference
 * (ratio judge: canary/stable; error-rate comparison: rates; latency comparison: medians; a
 * threshold or condition judge: the single measured value, charted as the canary alone).
 */
const PAIRS: [string, string | undefined][] = [
  ["canary", "stable"],
  ["canaryRate", "stableRate"],
  ["canaryMedian", "stableMedian"],
  ["canaryMean", "stableMean"],
  ["value", undefined],
  ["result", undefined],
];

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** The chartable series of a metric run: one point per measurement that carried numbers. Pure. */
export function seriesOf(state: Pick<MetricRunState, "measurements">): Point[] {
  const points: Point[] = [];
  for (const m of state.measurements) {
    const numbers = m.numbers ?? {};
    const pair = PAIRS.find(([c]) => num(numbers[c]) !== null);
    points.push({
      at: m.finishedAt,
      canary: pair ? num(numbers[pair[0]]) : null,
      stable: pair?.[1] ? num(numbers[pair[1]]) : null,
      phase: m.phase,
      explanation: m.explanation,
    });
  }
  return points;
}

/** Nice-ish y range over every value, starting at 0 for non-negative data. */
export function yRange(points: Point[]): [number, number] {
  const values = points.flatMap((p) => [p.canary, p.stable]).filter((v): v is number => v !== null);
  if (values.length === 0) return [0, 1];
  const min = Math.min(0, ...values);
  const max = Math.max(...values);
  return max === min ? [min, min + 1] : [min, max * 1.1];
}
