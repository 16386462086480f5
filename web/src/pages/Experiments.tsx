import { useState } from "preact/hooks";
import { ApiError, get, post } from "../api.js";
import { Badge } from "../components/Badge.js";
import { LoadState } from "../components/Status.js";
import { useData } from "../data.js";
import {
  cumulativeSeries,
  liftScale,
  percent,
  signedPercent,
  type Experiment,
  type MetricResult,
  type Report,
} from "../experiments.js";
import { field } from "../form.js";
import { dateTime } from "../format.js";
import type { Session } from "../types.js";

const COLORS = ["var(--c1)", "var(--c2)", "var(--c3)", "var(--c4)"];
const path = (key: string) => `/api/experiments/${encodeURIComponent(key)}`;

/** Every experiment: its flag, status, variants and metrics. */
export function ExperimentsList() {
  const list = useData(
    () => get<{ experiments: Experiment[] }>("/api/experiments").then((r) => r.experiments),
    [],
  );
  return (
    <section>
      <h1 tabIndex={-1}>Experiments</h1>
      <p class="muted">
        A/B tests on a flag's variants. Results use always-valid intervals: looking every day does not inflate
        false positives.
      </p>
      <LoadState error={list.error} loading={list.loading && !list.data} what="Experiments" optional />
      {list.data && list.data.length === 0 && (
        <p class="muted">No experiments yet (slipway experiment create, or POST /api/experiments).</p>
      )}
      {list.data && list.data.length > 0 && (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Experiment</th>
              <th scope="col">Status</th>
              <th scope="col">Flag</th>
              <th scope="col">Variants</th>
              <th scope="col">Metrics</th>
              <th scope="col">Created (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((e) => (
              <tr key={e.key}>
                <td>
                  <a href={`/experiments/${encodeURIComponent(e.key)}`}>{e.key}</a>
                </td>
                <td>
                  <Badge value={e.status} />
                </td>
                <td>
                  <a href={`/flags/${encodeURIComponent(e.flagKey)}`}>{e.flagKey}</a>
                </td>
                <td>{Object.keys(e.allocation).join(" vs ")}</td>
                <td>{e.metrics.map((m) => m.event).join(", ")}</td>
                <td>
                  {dateTime(e.createdAt)} by {e.createdBy}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** One metric: the table of numbers, the intervals drawn, the SRM verdict. */
function MetricResults({ result, primary }: { result: MetricResult; primary: boolean }) {
  const { metric } = result;
  const width = 360;
  const x = liftScale(result.variants, width);
  const drawn = result.variants.filter((v) => v.lift);
  const label = drawn
    .map(
      (v) =>
        `${v.variant}: lift ${signedPercent(v.lift!.estimate)}, 95 % CI ${percent(v.lift!.interval.lower)} to ${percent(v.lift!.interval.upper)}, always-valid ${percent(v.alwaysValid?.lower)} to ${percent(v.alwaysValid?.upper)}`,
    )
    .join("; ");
  return (
    <section class="panel" data-testid={`metric-${metric.event}`}>
      <h2>
        {metric.event}{" "}
        <span class="muted">
          ({metric.kind}, {metric.direction === "increase" ? "higher" : "lower"} is better
          {primary ? ", primary" : ""})
        </span>
      </h2>
      {!result.trustworthy && (
        <div class="error" role="alert">
          Sample-ratio mismatch: exposures {result.sampleRatio.observed.join(" / ")} against the expected{" "}
          {result.sampleRatio.expected.map((e) => Math.round(e)).join(" / ")} (p ={" "}
          {result.sampleRatio.pValue.toPrecision(2)} &lt; 0.001). Users are lost or double-counted on one
          side: these results are untrustworthy and no winner is named.
        </div>
      )}
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col">Exposures</th>
            <th scope="col">{metric.kind === "conversion" ? "Conversions" : "Users with a value"}</th>
            <th scope="col">{metric.kind === "conversion" ? "Rate" : "Mean"}</th>
            <th scope="col">Lift [95 % CI]</th>
            <th scope="col">Always-valid interval</th>
            <th scope="col">Verdict</th>
          </tr>
        </thead>
        <tbody>
          {result.variants.map((v, i) => (
            <tr key={v.variant}>
              <th scope="row">{v.variant}</th>
              <td>{v.exposures}</td>
              <td>{result.converted[i]}</td>
              <td>{metric.kind === "conversion" ? percent(v.value) : (v.value ?? 0).toFixed(2)}</td>
              <td>
                {v.lift
                  ? `${signedPercent(v.lift.estimate)} [${percent(v.lift.interval.lower)}, ${percent(v.lift.interval.upper)}]`
                  : ""}
              </td>
              <td>
                {v.alwaysValid ? `[${percent(v.alwaysValid.lower)}, ${percent(v.alwaysValid.upper)}]` : ""}
              </td>
              <td>
                <Badge value={v.verdict} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {drawn.length > 0 && (
        <svg
          class="intervals"
          role="img"
          aria-label={`Lift against ${result.variants.find((v) => v.verdict === "control")?.variant ?? "control"}: ${label}`}
          viewBox={`0 0 ${width + 100} ${drawn.length * 34 + 24}`}
          width={width + 100}
        >
          <line
            x1={x(0) + 90}
            x2={x(0) + 90}
            y1={0}
            y2={drawn.length * 34 + 8}
            stroke="currentColor"
            stroke-dasharray="3 3"
          />
          <text x={x(0) + 90} y={drawn.length * 34 + 20} text-anchor="middle" font-size="11">
            0
          </text>
          {drawn.map((v, i) => {
            const y = i * 34 + 16;
            const av = v.alwaysValid;
            return (
              <g key={v.variant}>
                <text x={0} y={y + 4} font-size="12">
                  {v.variant}
                </text>
                {av && Number.isFinite(av.lower) && (
                  <line
                    class="always-valid"
                    x1={x(av.lower) + 90}
                    x2={x(av.upper) + 90}
                    y1={y}
                    y2={y}
                    stroke={COLORS[1]}
                    stroke-width={3}
                    opacity={0.5}
                  />
                )}
                <line
                  class="fixed"
                  x1={x(v.lift!.interval.lower) + 90}
                  x2={x(v.lift!.interval.upper) + 90}
                  y1={y + 7}
                  y2={y + 7}
                  stroke={COLORS[0]}
                  stroke-width={2}
                />
                <circle cx={x(v.lift!.estimate) + 90} cy={y + 3} r={4} fill={COLORS[0]} />
              </g>
            );
          })}
        </svg>
      )}
      <p class="muted">
        Thin line: 95 % interval, valid if read once at a size fixed in advance. Thick line: always-valid
        interval, valid however often you look — the verdict uses it.{" "}
        {result.trustworthy && (result.winner ? `Winner: ${result.winner}.` : "No winner yet.")}
      </p>
    </section>
  );
}

function ExposuresOverTime({ report }: { report: Report }) {
  const variants = Object.keys(report.experiment.allocation);
  const series = cumulativeSeries(report.series.buckets, variants);
  if (series.at.length === 0) return <p class="muted">No exposures yet.</p>;
  // Every line starts at 0 one bucket before the first exposures, so even one bucket draws a line.
  const at = [series.at[0]! - report.series.bucketMs, ...series.at];
  const counts = Object.fromEntries(variants.map((v) => [v, [0, ...series.counts[v]!]]));
  const width = 460;
  const height = 120;
  const max = Math.max(1, ...variants.map((v) => counts[v]!.at(-1) ?? 0));
  const t0 = at[0]!;
  const span = Math.max(1, at.at(-1)! - t0);
  const px = (t: number) => (at.length === 1 ? width : ((t - t0) / span) * width);
  const py = (n: number) => height - (n / max) * height;
  const label = `Exposures over time: ${variants.map((v) => `${v} ${counts[v]!.at(-1) ?? 0}`).join(", ")}`;
  return (
    <svg
      class="series"
      role="img"
      aria-label={label}
      viewBox={`-4 -4 ${width + 8} ${height + 8}`}
      width={width + 8}
    >
      {variants.map((v, i) => (
        <polyline
          key={v}
          fill="none"
          stroke={COLORS[i % COLORS.length]}
          stroke-width={2}
          points={at.map((t, j) => `${px(t)},${py(counts[v]![j]!)}`).join(" ")}
        />
      ))}
    </svg>
  );
}

/** Start, stop, ship: each with a reason, audited. */
function Actions({ experiment, onDone }: { experiment: Experiment; onDone: () => void }) {
  const [error, setError] = useState<string | undefined>();
  const act = (action: "start" | "stop" | "ship") => (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const body = {
      reason: field(form, "reason"),
      ...(action === "ship" && { variant: field(form, "variant") }),
    };
    post(`${path(experiment.key)}/${action}`, body).then(onDone, (e: unknown) =>
      setError(e instanceof ApiError ? e.message : String(e)),
    );
  };
  const { status } = experiment;
  return (
    <div class="stack">
      {status === "draft" && (
        <form aria-label={`Start ${experiment.key}`} onSubmit={act("start")} class="inline">
          <label>
            Reason <input name="reason" required autocomplete="off" />
          </label>
          <button type="submit">Start</button>
        </form>
      )}
      {status === "running" && (
        <form aria-label={`Stop ${experiment.key}`} onSubmit={act("stop")} class="inline">
          <label>
            Reason <input name="reason" required autocomplete="off" />
          </label>
          <button type="submit">Stop</button>
        </form>
      )}
      {(status === "running" || status === "stopped") && (
        <form aria-label={`Ship a variant of ${experiment.key}`} onSubmit={act("ship")} class="inline">
          <label>
            Variant
            <select name="variant">
              {Object.keys(experiment.allocation).map((v) => (
                <option key={v}>{v}</option>
              ))}
            </select>
          </label>
          <label>
            Reason <input name="reason" required autocomplete="off" />
          </label>
          <button type="submit">Ship</button>
        </form>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** One experiment: definition, results per metric with the intervals drawn, exposures over time. */
export function ExperimentDetail({ experimentKey, session }: { experimentKey: string; session: Session }) {
  const report = useData(() => get<Report>(`${path(experimentKey)}/results`), [experimentKey]);
  const r = report.data;
  return (
    <section>
      <h1 tabIndex={-1}>{experimentKey}</h1>
      <LoadState error={report.error} loading={report.loading && !r} what="Experiment" />
      {r && (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <Badge value={r.experiment.status} />
              {r.experiment.shippedVariant && ` (${r.experiment.shippedVariant} shipped)`}
            </dd>
            <dt>Flag</dt>
            <dd>
              <a href={`/flags/${encodeURIComponent(r.experiment.flagKey)}`}>{r.experiment.flagKey}</a>
            </dd>
            <dt>Allocation</dt>
            <dd>
              {Object.entries(r.experiment.allocation)
                .map(([v, w]) => `${v} ${w}`)
                .join(" · ")}{" "}
              (control {r.experiment.control})
            </dd>
            {r.experiment.startedAt && (
              <>
                <dt>Started (UTC)</dt>
                <dd>{dateTime(r.experiment.startedAt)}</dd>
              </>
            )}
          </dl>
          {r.experiment.description && <p>{r.experiment.description}</p>}
          {session.user.role !== "viewer" && <Actions experiment={r.experiment} onDone={report.reload} />}
          {r.metrics.map((m, i) => (
            <MetricResults key={m.metric.event} result={m} primary={i === 0} />
          ))}
          <section class="panel">
            <h2>Exposures over time</h2>
            <ExposuresOverTime report={r} />
          </section>
        </>
      )}
    </section>
  );
}
