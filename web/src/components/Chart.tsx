import { clock } from "../format.js";
import { formatValue } from "../../../src/core/analysis/verdict.js";
import { yRange, type Point } from "../series.js";
import type { MetricUnit } from "../types.js";

const W = 520;
const H = 160;
const PAD = { left: 56, right: 12, top: 10, bottom: 24 };

/**
 * Candidate vs stable values of one metric over time, as inline SVG: two polylines and a dot per
 * measurement coloured by its verdict. The figures are also in the table beside it.
 */
export function Chart({ title, points, unit }: { title: string; points: Point[]; unit: MetricUnit }) {
  if (points.length === 0) return <p class="muted">No measurements yet.</p>;
  const [lo, hi] = yRange(points);
  const t0 = points[0]!.at;
  const t1 = points[points.length - 1]!.at;
  const x = (at: number) => PAD.left + (t1 === t0 ? 0.5 : (at - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  const line = (key: "canary" | "stable") =>
    points
      .filter((p) => p[key] !== null)
      .map((p) => `${x(p.at).toFixed(1)},${y(p[key]!).toFixed(1)}`)
      .join(" ");
  const last = points[points.length - 1]!;
  const summary = `${title}: ${points.length} measurements; last canary ${
    last.canary === null ? "no data" : formatValue(last.canary, unit)
  }, stable ${last.stable === null ? "no data" : formatValue(last.stable, unit)}`;
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary}>
      <line x1={PAD.left} x2={W - PAD.right} y1={y(lo)} y2={y(lo)} class="axis" />
      <line x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={H - PAD.bottom} class="axis" />
      <text x={PAD.left - 4} y={y(hi) + 4} class="tick" text-anchor="end">
        {formatValue(hi, unit)}
      </text>
      <text x={PAD.left - 4} y={y(lo)} class="tick" text-anchor="end">
        {formatValue(lo, unit)}
      </text>
      <text x={PAD.left} y={H - 6} class="tick">
        {clock(t0)}
      </text>
      <text x={W - PAD.right} y={H - 6} class="tick" text-anchor="end">
        {clock(t1)}
      </text>
      <polyline points={line("stable")} class="stable" />
      <polyline points={line("canary")} class="canary" />
      {points.map((p) =>
        p.canary === null ? null : (
          <circle key={p.at} cx={x(p.at)} cy={y(p.canary)} r={3} class={`dot ${p.phase}`}>
            <title>{p.explanation}</title>
          </circle>
        ),
      )}
    </svg>
  );
}
