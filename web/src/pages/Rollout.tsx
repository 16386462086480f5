import { useState } from "preact/hooks";
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
import { seriesOf } from "../series.js";
import type { AnalysisRecord, Change, Rollout, Session, StatusReply, StoredEvent } from "../types.js";

function concerns(id: string, change: Change): boolean {
  if (change.kind === "rollout") return (change as { rollout: Rollout }).rollout.id === id;
  if (change.kind === "event") return true; // traffic of the environment may have moved
  return false;
}

export function RolloutPage({ id, session }: { id: string; session: Session }) {
  const detail = useData(
    () => get<{ rollout: Rollout; events: StoredEvent[] }>(`/api/rollouts/${encodeURIComponent(id)}`),
    [id],
    (c) => concerns(id, c),
  );
  const status = useData(() => get<StatusReply>("/api/status"), []);
  const rollout = detail.data?.rollout;
  const env =
    rollout &&
    status.data?.environments.find(
      (e) => e.service === rollout.service && e.environment === rollout.environment,
    );

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
          <h2>Live traffic</h2>
          {env ? (
            <WeightsBar revisions={env.revisions} />
          ) : (
            <p class="muted">No traffic recorded for this environment.</p>
          )}
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
  if (session.user.role === "viewer") {
    return <p class="muted">Your role (viewer) can watch rollouts but not act on them.</p>;
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
            {record.outcome?.explanation && <p class="verdict">{record.outcome.explanation}</p>}
            {record.outcome?.dryRun.map((line) => (
              <p class="muted" key={line}>
                {line}
              </p>
            ))}
            <div class="metrics">
              {record.metrics.map((metric) => {
                const points = seriesOf(metric.state);
                const recent = metric.state.measurements.slice(-5).reverse();
                return (
                  <figure class="metric" key={metric.name}>
                    <figcaption>
                      <strong>{metric.name}</strong> <Badge value={metricBadge(metric.state)} />{" "}
                      <span class="muted">
                        {metric.judge}
                        {metric.dryRun ? ", dry run" : ""}
                      </span>
                      <span class="key">
                        <span class="k canary">candidate</span> <span class="k stable">stable</span>
                      </span>
                    </figcaption>
                    <Chart title={metric.name} points={points} unit={metric.unit} />
                    <p class="verdict">{metric.state.message}</p>
                    {recent.length > 0 && (
                      <details>
                        <summary>Last {recent.length} verdicts</summary>
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
