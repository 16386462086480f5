import { clock } from "../format.js";
import { formatValue } from "../../../src/core/analysis/verdict.js";
import { fitRange, type ChartDot, type ChartLine } from "../series.js";
import type { MetricUnit } from "../types.js";

// The drawing's own coordinates: the SVG scales to its card's width (viewBox, width 100 %).
const W = 520;
const H = 160;
const PAD = { left: 56, right: 12, top: 10, bottom: 24 };

/**
 * Values over time as inline SVG: one polyline per line that has points (a lone point is drawn as
 * a mark), thresholds dashed, a dot per verdict. The y axis fits the values and thresholds, unless
 * `range` fixes it (weights: 0-100 %). The legend names only what is drawn.
 * @example <Chart title="error rate" unit="ratio" lines={[{ label: "candidate", kind: "canary", points }]} />
 */
export function Chart(props: {
  title: string;
  unit: MetricUnit;
  lines: ChartLine[];
  dots?: ChartDot[];
  range?: [number, number];
  /** What the numbers are, after the value in the summary ("req/s"); the caption names it for the axis. */
  suffix?: string;
}) {
  const { title, unit, dots = [], suffix = "" } = props;
  const lines = props.lines.filter((l) => l.points.length > 0);
  const data = lines.filter((l) => l.kind !== "threshold");
  if (data.length === 0) return <p class="muted">No measurements yet.</p>;
  const all = lines.flatMap((l) => l.points);
  const [lo, hi] =
    props.range ??
    fitRange(
      all.map((p) => p.value),
      unit,
    );
  const t0 = Math.min(...all.map((p) => p.at));
  const t1 = Math.max(...all.map((p) => p.at));
  const x = (at: number) => PAD.left + (t1 === t0 ? 0.5 : (at - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number) =>
    PAD.top + (1 - (Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  const value = (v: number) => `${formatValue(v, unit)}${suffix}`;
  const count = Math.max(...data.map((l) => l.points.length));
  const lastValues = data.map((l) => `${l.label} ${value(l.points[l.points.length - 1]!.value)}`);
  const summary = `${title}: ${count} points; last ${lastValues.join(", ")}`;
  return (
    <div class="chart-box">
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
        {lines.map((l) =>
          l.points.length === 1 ? (
            <circle
              key={l.label}
              cx={x(l.points[0]!.at)}
              cy={y(l.points[0]!.value)}
              r={3}
              class={`mark ${l.kind}`}
              data-line={l.label}
              data-values={String(l.points[0]!.value)}
            />
          ) : (
            <polyline
              key={l.label}
              points={l.points.map((p) => `${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ")}
              class={l.kind}
              data-line={l.label}
              data-values={l.points.map((p) => p.value).join(",")}
            />
          ),
        )}
        {dots.map((d) => (
          <circle key={d.at} cx={x(d.at)} cy={y(d.value)} r={3} class={`dot ${d.phase}`}>
            <title>{d.label}</title>
          </circle>
        ))}
      </svg>
      <ul class="key" aria-label={`${title}: legend`}>
        {lines.map((l) => (
          <li key={l.label} class={`k ${l.kind}`}>
            {l.label}
          </li>
        ))}
      </ul>
    </div>
  );
}
