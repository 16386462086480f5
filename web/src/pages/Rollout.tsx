import { useEffect, useState } from "preact/hooks";
import { metricBadge } from "../analysis.js";
import { ApiError, get, post } from "../api.js";
import { Badge } from "../components/Badge.js";
import { Chart } from "../components/Chart.js";
import { LoadState } from "../components/Status.js";
import { Timeline } from "../components/Timeline.js";
import { WeightsBar } from "../components/WeightsBar.js";
import { useData } from "../data.js";
import { ago, clock, dateTime } from "../format.js";
import { availableActions, type Act } from "../actions.js";
import { navigate } from "../router.js";
import { historyLines, metricChart, rateOf, seriesOf, weightOf } from "../series.js";
import { finalSplit } from "../final-split.js";
import { can } from "../permissions.js";
import { formatValue } from "../../../src/core/analysis/verdict.js";
import type {
  AnalysisRecord,
  Change,
  EnvironmentStatus,
  RevisionInstances,
  Rollout,
  SeriesPoint,
  SeriesReply,
  Session,
  StatusReply,
  StoredEvent,
} from "../types.js";

const FINAL = ["promoted", "rolled-back", "superseded", "failed"];
/** How often an unfinished rollout's series and instances are re-read (the server records every 2 s). */
const REFRESH_MS = 2_000;

function concerns(id: string, change: Change): boolean {
  if (change.kind === "rollout") return (change as { rollout: Rollout }).rollout.id === id;
  if (change.kind === "event") return true; // traffic of the environment may have moved
  return false;
}

export function RolloutPage({ id, session }: { id: string; session: Session }) {
  const detail = useData(
    () =>
      get<{ rollout: Rollout; events: StoredEvent[]; instances?: RevisionInstances[] }>(
        `/api/rollouts/${encodeURIComponent(id)}`,
      ),
    [id],
    (c) => concerns(id, c),
  );
  const status = useData(() => get<StatusReply>("/api/status"), []);
  // An older server has no series: the page then shows what it has.
  const series = useData(
    () =>
      get<SeriesReply>(`/api/rollouts/${encodeURIComponent(id)}/series`).catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 404) return { rolloutId: id, intervalMs: 0, points: [] };
        throw e;
      }),
    [id],
    (c) => concerns(id, c),
  );
  const rollout = detail.data?.rollout;
  const finished = rollout !== undefined && FINAL.includes(rollout.phase);
  // Points keep coming while the rollout is unfinished, without a change event for each.
  useEffect(() => {
    if (!rollout || finished) return;
    const timer = setInterval(() => {
      series.reload();
      detail.reload();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [rollout?.id, finished]);
  const env =
    rollout &&
    status.data?.environments.find(
      (e) => e.service === rollout.service && e.environment === rollout.environment,
    );
  const points = series.data?.points ?? [];

  return (
    <section>
      <h1 tabIndex={-1}>
        {rollout
          ? `${rollout.service}/${rollout.environment}: ${rollout.kind === "rollback" ? "rollback to " : ""}${rollout.candidate.version}`
          : `Rollout ${id}`}
      </h1>
      <LoadState error={detail.error} loading={detail.loading && !detail.data} what="the rollout" />
      {rollout && (
        <>
          <dl class="facts">
            <div>
              <dt>Phase</dt>
              <dd data-testid="phase">
                <Badge value={rollout.phase} />
              </dd>
            </div>
            <div>
              <dt>Strategy</dt>
              <dd>{rollout.strategy ?? "blue-green"}</dd>
            </div>
            <div>
              <dt>Candidate</dt>
              <dd>{rollout.candidate.version}</dd>
            </div>
            <div>
              <dt>Stable</dt>
              <dd>{rollout.stable?.version ?? "none (first deploy)"}</dd>
            </div>
            <div>
              <dt>By</dt>
              <dd>{rollout.actor}</dd>
            </div>
            <div>
              <dt>Started</dt>
              <dd title={dateTime(rollout.createdAt)}>{ago(rollout.createdAt)}</dd>
            </div>
            {rollout.canary && (
              <>
                <div>
                  <dt>Canary weight</dt>
                  <dd>{rollout.canary.weight}%</dd>
                </div>
              </>
            )}
          </dl>
          {rollout.reason && (
            <p class="reason" data-testid="reason">
              {rollout.reason}
            </p>
          )}
          <Traffic rollout={rollout} env={env} points={points} finished={finished} />
          <History rollout={rollout} points={points} />
          <Instances revisions={detail.data?.instances} />
          <h2>{rollout.strategy === "canary" ? "Steps" : "Phases"}</h2>
          <Timeline rollout={rollout} />
          <Actions
            rollout={rollout}
            session={session}
            latest={!env || (env.rollout ?? env.lastRollout)?.id === rollout.id}
            onDone={detail.reload}
          />
          <Analysis records={rollout.analysis ?? []} />
          <h2>Events</h2>
          <ol class="events">
            {(detail.data?.events ?? [])
              .slice()
              .sort((a, b) => a.seq - b.seq)
              .map((e) => (
                <li key={e.seq}>
                  <time dateTime={e.at}>{clock(e.at)}</time> <code>{e.type}</code> {e.message}
                  {e.reason && <span class="muted"> — {e.reason}</span>}
                </li>
              ))}
          </ol>
        </>
      )}
    </section>
  );
}

/**
 * The traffic split to show: the environment's live split while this rollout is what it serves
 * (holding it, or the last one with nothing after it), else the weights this rollout ended with, so
 * an old rollout's page never shows a later rollout's split.
 */
function Traffic(props: {
  rollout: Rollout;
  env: EnvironmentStatus | undefined;
  points: SeriesPoint[];
  finished: boolean;
}) {
  const { rollout, env, points, finished } = props;
  const current = env && (env.rollout ? env.rollout.id === rollout.id : env.lastRollout?.id === rollout.id);
  if (!finished && current) {
    return (
      <>
        <h2>Live traffic</h2>
        <WeightsBar revisions={env.revisions} />
      </>
    );
  }
  const split = finalSplit(rollout, points);
  return (
    <>
      <h2>{finished ? "Traffic when it finished" : "Traffic it last set"}</h2>
      {split ? (
        <WeightsBar revisions={split} />
      ) : (
        <p class="muted">This rollout's traffic was not recorded.</p>
      )}
    </>
  );
}

/** The rollout's own weights and request rates over time (GET /api/rollouts/{id}/series). */
function History({ rollout, points }: { rollout: Rollout; points: SeriesPoint[] }) {
  const labels = {
    candidate: `${rollout.candidate.version} (candidate)`,
    stable: `${rollout.stable?.version ?? "stable"} (stable)`,
  };
  const charts = [
    {
      title: "Traffic weight",
      unit: "percent" as const,
      pick: weightOf,
      range: [0, 100] as [number, number],
    },
    { title: "Requests per second", unit: "none" as const, pick: rateOf("rps"), suffix: " req/s" },
    { title: "Error rate (5xx)", unit: "ratio" as const, pick: rateOf("errorRate") },
    { title: "Latency p95", unit: "ms" as const, pick: rateOf("p95Ms") },
  ];
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {points.length === 0 ? (
        <p class="muted">No points recorded for this rollout yet.</p>
      ) : (
        <div class="metrics">
          {charts.map((c) => (
            <figure class="metric" key={c.title} data-testid={`history-${c.title}`}>
              <figcaption>
                <strong>{c.title}</strong>
              </figcaption>
              <Chart
                title={c.title}
                unit={c.unit}
                lines={historyLines(points, labels, c.pick)}
                {...(c.range ? { range: c.range } : {})}
                {...(c.suffix ? { suffix: c.suffix } : {})}
              />
            </figure>
          ))}
        </div>
      )}
    </section>
  );
}

/** Which instances serve the candidate and the stable revision now, and how healthy each is. */
function Instances({ revisions }: { revisions: RevisionInstances[] | undefined }) {
  if (!revisions) return null;
  return (
    <section aria-labelledby="instances-title">
      <h2 id="instances-title">Instances</h2>
      <div class="scroll">
        <table class="list instances">
          <thead>
            <tr>
              <th scope="col">Revision</th>
              <th scope="col">Instance</th>
              <th scope="col">PID</th>
              <th scope="col">Port</th>
              <th scope="col">State</th>
              <th scope="col">Restarts</th>
              <th scope="col">Last probe</th>
            </tr>
          </thead>
          <tbody>
            {revisions.flatMap((r) =>
              r.instances.length === 0
                ? [
                    <tr key={r.id}>
                      <td>
                        {r.version} <span class="muted">({r.role})</span>
                      </td>
                      <td colSpan={6} class="muted">
                        no instance running
                      </td>
                    </tr>,
                  ]
                : r.instances.map((i) => (
                    <tr key={i.id} data-testid="instance">
                      <td>
                        {r.version} <span class="muted">({r.role})</span>
                      </td>
                      <td>{i.id.slice(i.id.lastIndexOf("#"))}</td>
                      <td>{i.pid || "—"}</td>
                      <td>{i.port ?? "—"}</td>
                      <td>
                        <Badge value={i.state} />
                        {i.lastError && <span class="muted"> {i.lastError}</span>}
                      </td>
                      <td>{i.restarts ?? 0}</td>
                      <td data-testid="probe">
                        {i.lastProbe ? (
                          <>
                            {i.lastProbe.ok ? "ok" : "failed"}{" "}
                            <span class="muted">
                              {i.lastProbe.kind}, {ago(i.lastProbe.at)}
                              {i.lastProbe.reason ? `: ${i.lastProbe.reason}` : ""}
                            </span>
                          </>
                        ) : (
                          <span class="muted">none yet</span>
                        )}
                      </td>
                    </tr>
                  )),
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

type Reply = { message?: string; rollout?: Rollout } | undefined;

const LABEL: Record<Act, string> = {
  approve: "Approve",
  reject: "Reject",
  promote: "Promote",
  "promote-full": "Promote to 100%",
  abort: "Abort",
  rollback: "Rollback",
};

function Actions(props: { rollout: Rollout; session: Session; latest: boolean; onDone: () => void }) {
  const { rollout, session, latest, onDone } = props;
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState<Act | null>(null);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const acts = availableActions(rollout, session.user, latest);
  // Every rollout action needs at least the deployer's role (src/core/access/actions.ts).
  if (!can(session, "promote")) {
    return <p class="muted">Your role ({session.user.role}) can watch rollouts but not act on them.</p>;
  }
  if (acts.length === 0) return null;
  const needsReason = (act: Act) => act === "abort" || act === "rollback" || act === "reject";
  const run = (act: Act) => {
    if (needsReason(act) && !reason.trim()) {
      setMessage({ text: `${LABEL[act]} needs a reason: say why in the Reason field.`, error: true });
      document.getElementById("action-reason")?.focus();
      return;
    }
    const base = `/api/rollouts/${encodeURIComponent(rollout.id)}`;
    const text = reason.trim();
    const request =
      act === "rollback"
        ? post<Reply>("/api/rollbacks", {
            service: rollout.service,
            environment: rollout.environment,
            reason: text,
          })
        : act === "approve" || act === "reject"
          ? post<Reply>(`${base}/${act}`, text ? { comment: text } : {})
          : act === "promote-full"
            ? post<Reply>(`${base}/promote`, { full: true, ...(text ? { reason: text } : {}) })
            : post<Reply>(`${base}/${act}`, text ? { reason: text } : {});
    setBusy(act);
    setMessage(null);
    request.then(
      (result) => {
        setBusy(null);
        setReason("");
        setMessage({ text: result?.message ?? `${LABEL[act]}: done`, error: false });
        // A rollback is a rollout of its own: follow it.
        if (result?.rollout && result.rollout.id !== rollout.id)
          navigate(`/rollouts/${encodeURIComponent(result.rollout.id)}`);
        else onDone();
      },
      (e: unknown) => {
        setBusy(null);
        setMessage({ text: e instanceof ApiError ? e.message : String(e), error: true });
      },
    );
  };
  return (
    <section class="actions" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      <label>
        Reason
        <input
          id="action-reason"
          value={reason}
          onInput={(e) => setReason(e.currentTarget.value)}
          placeholder="why (required to abort, reject or roll back)"
        />
      </label>
      <div class="buttons">
        {acts.map((act) => (
          <button
            key={act}
            type="button"
            class={act === "abort" || act === "rollback" || act === "reject" ? "danger" : ""}
            disabled={busy !== null}
            onClick={() => run(act)}
          >
            {busy === act ? `${LABEL[act]}…` : LABEL[act]}
          </button>
        ))}
      </div>
      {message && (
        <p
          class={message.error ? "error" : "muted"}
          role={message.error ? "alert" : "status"}
          data-testid="action-message"
        >
          {message.text}
        </p>
      )}
    </section>
  );
}

function Analysis({ records }: { records: AnalysisRecord[] }) {
  if (records.length === 0) return null;
  return (
    <section aria-labelledby="analysis-title">
      <h2 id="analysis-title">Analysis</h2>
      {records
        .slice()
        .reverse()
        .map((record) => (
          <article
            class="analysis"
            key={record.id}
            aria-label={
              record.step === undefined ? "background analysis" : `analysis of step ${record.step + 1}`
            }
          >
            <h3>
              {record.step === undefined ? "Background analysis" : `Step ${record.step + 1} analysis`}{" "}
              {record.outcome ? <Badge value={record.outcome.phase} /> : <Badge value="running" />}
            </h3>
            {record.outcome?.explanation && (
              <p class="verdict" data-testid="verdict">
                {record.outcome.explanation}
              </p>
            )}
            {record.outcome?.dryRun.map((line) => (
              <p class="muted" key={line}>
                {line}
              </p>
            ))}
            <div class="metrics">
              {record.metrics.map((metric) => {
                const points = seriesOf(metric.state);
                const shown = [record.outcome?.explanation ?? ""];
                // A run's outcome quotes its metric's message: show each verdict's words once.
                const message = shown.some((s) => s.includes(metric.state.message))
                  ? ""
                  : metric.state.message;
                shown.push(message);
                const recent = metric.state.measurements
                  .slice(-5)
                  .reverse()
                  .filter((m) => !shown.some((s) => s.includes(m.explanation)));
                const { lines, dots } = metricChart(points, (v) => formatValue(v, metric.unit));
                return (
                  <figure class="metric" key={metric.name}>
                    <figcaption>
                      <strong>{metric.name}</strong> <Badge value={metricBadge(metric.state)} />{" "}
                      <span class="muted">
                        {metric.judge}
                        {metric.dryRun ? ", dry run" : ""}
                      </span>
                    </figcaption>
                    <Chart title={metric.name} unit={metric.unit} lines={lines} dots={dots} />
                    {message && (
                      <p class="verdict" data-testid="verdict">
                        {message}
                      </p>
                    )}
                    {recent.length > 0 && (
                      <details>
                        <summary>Earlier verdicts ({recent.length})</summary>
                        <ul class="verdicts">
                          {recent.map((m) => (
                            <li key={m.startedAt}>
                              <Badge value={m.phase} /> <time>{clock(m.finishedAt)}</time> {m.explanation}
                            </li>
                          ))}
                        </ul>
                      </details>
                    )}
                  </figure>
                );
              })}
            </div>
          </article>
        ))}
    </section>
  );
}
