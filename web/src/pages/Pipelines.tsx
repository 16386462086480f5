import { useEffect, useRef } from "preact/hooks";
import { get, getText, listOf } from "../api.js";
import { Badge } from "../components/Badge.js";
import { LoadState } from "../components/Status.js";
import { useData } from "../data.js";
import { ago, duration } from "../format.js";
import { jobColumns } from "../graph.js";
import type { Change, Run, Session } from "../types.js";

const isRun = (c: Change) => c.kind === "run";
const statusOf = (x: { status: string; conclusion: string | null }) => x.conclusion ?? x.status;

export function Pipelines({ runId }: { session: Session; runId?: string }) {
  const runs = useData(
    () => get<unknown>("/api/runs?limit=50").then((r) => listOf<Run>(r, "runs")),
    [],
    isRun,
  );
  return (
    <section>
      <h1 tabIndex={-1}>Pipelines</h1>
      {runId && <RunDetail runId={runId} />}
      <h2>Runs</h2>
      <LoadState error={runs.error} loading={runs.loading && !runs.data} what="Pipeline runs" optional />
      {runs.data && runs.data.length === 0 && <p class="muted">No runs yet.</p>}
      {runs.data && runs.data.length > 0 && (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Workflow</th>
              <th scope="col">Event</th>
              <th scope="col">Ref</th>
              <th scope="col">Status</th>
              <th scope="col">By</th>
              <th scope="col">Started</th>
              <th scope="col">Took</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.map((run) => (
              <tr key={run.runId} aria-current={run.runId === runId ? "true" : undefined}>
                <td>
                  <a href={`/pipelines/${encodeURIComponent(run.runId)}`}>#{run.runNumber ?? run.runId}</a>
                </td>
                <td>{run.workflow}</td>
                <td>{run.event}</td>
                <td class="mono">{run.ref}</td>
                <td>
                  <Badge value={statusOf(run)} />
                </td>
                <td>{run.actor ?? ""}</td>
                <td>{ago(run.startedAt)}</td>
                <td>{duration(run.durationMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function RunDetail({ runId }: { runId: string }) {
  const concerns = (c: Change) => c.kind === "run" && (c as { run: Run }).run.runId === runId;
  const run = useData(
    () =>
      get<unknown>(`/api/runs/${encodeURIComponent(runId)}`).then(
        (r) => ((r as { run?: Run }).run ?? r) as Run,
      ),
    [runId],
    concerns,
  );
  const logs = useData(() => getText(`/api/runs/${encodeURIComponent(runId)}/logs`), [runId], concerns);
  const artifacts = useData(
    () =>
      get<unknown>(`/api/runs/${encodeURIComponent(runId)}/artifacts`).then((r) =>
        listOf<{ name: string; size?: number; url?: string }>(r, "artifacts"),
      ),
    [runId],
    concerns,
  );
  const summaries = useData(
    () =>
      get<unknown>(`/api/runs/${encodeURIComponent(runId)}/summary`).then((r) =>
        listOf<{ key: string; markdown: string }>(r, "jobs"),
      ),
    [runId],
    concerns,
  );
  const running = run.data?.status === "running";
  const reloadLogs = logs.reload;
  useEffect(() => {
    // Logs grow between run events: poll them while the run is going.
    if (!running) return;
    const timer = setInterval(reloadLogs, 2000);
    return () => clearInterval(timer);
  }, [running, reloadLogs]);
  const logRef = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const el = logRef.current;
    if (el && running) el.scrollTop = el.scrollHeight;
  }, [logs.data, running]);

  return (
    <article aria-labelledby="run-title" class="run">
      <h2 id="run-title">
        Run {run.data ? `#${run.data.runNumber ?? run.data.runId} ${run.data.workflow}` : runId}{" "}
        {run.data && <Badge value={statusOf(run.data)} />}
      </h2>
      <LoadState error={run.error} loading={run.loading && !run.data} what="This run" optional />
      {run.data?.reason && <p class="reason">{run.data.reason}</p>}
      {run.data && (
        <>
          <h3>Jobs</h3>
          <div class="graph" role="list" aria-label="job graph, by stage">
            {jobColumns(run.data.jobs).map((column, i) => (
              <div class="stage" role="listitem" key={i}>
                <span class="sr-only">Stage {i + 1}:</span>
                {column.map((job) => (
                  <div class={`job ${statusOf(job)}`} key={job.key}>
                    <strong>{job.name}</strong> <Badge value={statusOf(job)} />
                    <div class="muted">
                      {job.needs.length ? `needs ${job.needs.join(", ")}` : "no needs"}
                      {job.durationMs !== null ? ` · ${duration(job.durationMs)}` : ""}
                    </div>
                    {job.reason && <div class="muted">{job.reason}</div>}
                  </div>
                ))}
              </div>
            ))}
          </div>
        </>
      )}
      <h3>Logs</h3>
      <LoadState
        error={logs.error}
        loading={logs.loading && logs.data === undefined}
        what="Run logs"
        optional
      />
      {logs.data !== undefined && (
        <pre class="logs" ref={logRef} tabIndex={0} aria-label="run logs">
          {logs.data || "(no output yet)"}
        </pre>
      )}
      {summaries.data && summaries.data.length > 0 && (
        <>
          {/* The Markdown source as the steps wrote it (not rendered: it is untrusted text). */}
          <h3>Summary</h3>
          {summaries.data.map((summary) => (
            <section key={summary.key} aria-label={`summary of ${summary.key}`}>
              <h4>{summary.key}</h4>
              <pre class="logs">{summary.markdown}</pre>
            </section>
          ))}
        </>
      )}
      <h3>Artifacts</h3>
      <LoadState
        error={artifacts.error}
        loading={artifacts.loading && !artifacts.data}
        what="Run artifacts"
        optional
      />
      {artifacts.data && artifacts.data.length === 0 && <p class="muted">No artifacts.</p>}
      {artifacts.data && artifacts.data.length > 0 && (
        <ul>
          {artifacts.data.map((a) => (
            <li key={a.name}>
              {a.url ? <a href={a.url}>{a.name}</a> : a.name}
              {a.size !== undefined && <span class="muted"> ({a.size} bytes)</span>}
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
