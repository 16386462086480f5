import type { MetricRunState, MetricUnit, RevisionRates, SeriesPoint } from "./types.js";

/** One point of a metric chart: when it was measured, the canary and stable values, the verdict. */
export interface Point {
  at: number;
  canary: number | null;
  stable: number | null;
  /** The judge's bounds at this measurement (a threshold's max, or stable × a ratio's maxRatio). */
  max: number | null;
  min: number | null;
  phase: string;
  explanation: string;
}

/** A line of a chart: candidate, stable, or a threshold (drawn dashed). */
export interface ChartLine {
  label: string;
  kind: "canary" | "stable" | "threshold";
  points: { at: number; value: number }[];
}

/** A verdict mark on the candidate's line. */
export interface ChartDot {
  at: number;
  value: number;
  phase: string;
  label: string;
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

/** A threshold judge's own bound, else a ratio judge's bound times the stable value. */
function bound(numbers: Record<string, unknown>, stable: number | null, key: "max" | "min"): number | null {
  const fixed = num(numbers[key]);
  if (fixed !== null) return fixed;
  const ratio = num(numbers[key === "max" ? "maxRatio" : "minRatio"]);
  return ratio !== null && stable !== null ? ratio * stable : null;
}

/** The chartable series of a metric run: one point per measurement that carried numbers. Pure. */
export function seriesOf(state: Pick<MetricRunState, "measurements">): Point[] {
  const points: Point[] = [];
  for (const m of state.measurements) {
    const numbers = m.numbers ?? {};
    const pair = PAIRS.find(([c]) => num(numbers[c]) !== null);
    const stable = pair?.[1] ? num(numbers[pair[1]]) : null;
    points.push({
      at: m.finishedAt,
      canary: pair ? num(numbers[pair[0]]) : null,
      stable,
      max: bound(numbers, stable, "max"),
      min: bound(numbers, stable, "min"),
      phase: m.phase,
      explanation: m.explanation,
    });
  }
  return points;
}

const present = (points: Point[], key: "canary" | "stable" | "max" | "min") =>
  points.flatMap((p) => (p[key] === null ? [] : [{ at: p.at, value: p[key] }]));

/**
 * A metric's chart: candidate and stable lines, its thresholds (`max`, `min`) as lines, and a dot
 * per verdict on the candidate line, labelled with its phase and time only (the verdict's words are
 * shown once, in the list below the chart). Pure.
 */
export function metricChart(
  points: Point[],
  unitLabel: (v: number) => string,
): { lines: ChartLine[]; dots: ChartDot[] } {
  const lines: ChartLine[] = [
    { label: "candidate", kind: "canary", points: present(points, "canary") },
    { label: "stable", kind: "stable", points: present(points, "stable") },
  ];
  for (const key of ["max", "min"] as const) {
    const limit = present(points, key);
    const last = limit[limit.length - 1];
    if (last)
      lines.push({ label: `threshold (${key} ${unitLabel(last.value)})`, kind: "threshold", points: limit });
  }
  const dots = points.flatMap((p) =>
    p.canary === null
      ? []
      : [{ at: p.at, value: p.canary, phase: p.phase, label: `${p.phase}: ${unitLabel(p.canary)}` }],
  );
  return { lines, dots };
}

/**
 * A y range fitted to the values: from a little below the lowest to a little above the highest
 * (never below 0 for non-negative data), so a 20-24 ms latency is not a flat line at the bottom of
 * 0-100. A flat series gets a small span around its value. Pure.
 */
export function fitRange(values: number[], unit: MetricUnit = "none"): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return [0, 1];
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const pad = lo === hi ? (lo === 0 ? (unit === "ratio" ? 0.01 : 1) : Math.abs(lo) * 0.1) : (hi - lo) * 0.1;
  return [lo >= 0 ? Math.max(0, lo - pad) : lo - pad, hi + pad];
}

type Side = "candidate" | "stable";

/** One measure of a rollout's series as chart lines, candidate and stable. Pure. */
export function historyLines(
  points: SeriesPoint[],
  labels: Record<Side, string>,
  pick: (p: SeriesPoint, side: Side) => number | null,
): ChartLine[] {
  const line = (side: Side): ChartLine => ({
    label: labels[side],
    kind: side === "candidate" ? "canary" : "stable",
    points: points.flatMap((p) => {
      const value = pick(p, side);
      return value === null || !Number.isFinite(value) ? [] : [{ at: p.at, value }];
    }),
  });
  return [line("candidate"), line("stable")];
}

/** A rate of one side of a point, when the proxy saw that revision. */
export const rateOf =
  (key: keyof RevisionRates) =>
  (p: SeriesPoint, side: Side): number | null =>
    p[side]?.[key] ?? null;

/** The weight of one side of a point. */
export const weightOf = (p: SeriesPoint, side: Side): number | null => p.weights[side];
