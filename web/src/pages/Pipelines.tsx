import { useEffect, useState } from "preact/hooks";
import { ApiError, get, listOf, post } from "../api.js";
import { Badge } from "../components/Badge.js";
import { LoadState } from "../components/Status.js";
import { useData } from "../data.js";
import { field } from "../form.js";
import { ago, clock, duration } from "../format.js";
import { jobColumns } from "../graph.js";
import { can } from "../permissions.js";
import { navigate } from "../router.js";
import { stepSections, type StepSection } from "../steps.js";
import type { Change, Run, RunJob, RunLogLine, Session } from "../types.js";

const isRun = (c: Change) => c.kind === "run";
const statusOf = (x: { status: string; conclusion: string | null }) => x.conclusion ?? x.status;

export function Pipelines({ session, runId }: { session: Session; runId?: string }) {
  const runs = useData(
    () => get<unknown>("/api/runs?limit=50").then((r) => listOf<Run>(r, "runs")),
    [],
    isRun,
  );
  return (
    <section>
      <h1 tabIndex={-1}>Pipelines</h1>
      {runId && <RunDetail runId={runId} session={session} />}
      {!runId && can(session, "trigger-run") && <StartRun />}
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
                <td class="mono wrap">{shortRef(run.ref)}</td>
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

type Message = { text: string; error: boolean } | null;
const messageOf = (e: unknown) => ({ text: e instanceof ApiError ? e.message : String(e), error: true });
const shortRef = (ref: string) => ref.replace(/^refs\/(heads|tags)\//, "");

interface WorkflowsReply {
  workflows: { file: string; name: string; dispatch: boolean; problem?: string }[];
  branches: string[];
}

/** Run: start a workflow that `workflow_dispatch` starts, at a branch, tag or commit. */
function StartRun() {
  const listing = useData(
    () => get<WorkflowsReply>("/api/workflows"),
    [],
    () => false,
  );
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);
  // An older server has no workflow listing: no form rather than a broken one.
  if (listing.error?.status === 404 || !listing.data) return null;
  const { workflows, branches } = listing.data;
  const startable = workflows.filter((w) => w.dispatch);
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const ref = field(form, "ref");
    setBusy(true);
    post<{ run: Run }>("/api/runs", { workflow: field(form, "workflow"), ...(ref ? { ref } : {}) }).then(
      (reply) => {
        setBusy(false);
        navigate(`/pipelines/${encodeURIComponent(reply.run.runId)}`);
      },
      (e: unknown) => {
        setBusy(false);
        setMessage(messageOf(e));
      },
    );
  };
  return (
    <form class="run-start" onSubmit={submit} aria-labelledby="run-start-title">
      <h2 id="run-start-title">Run a workflow</h2>
      {startable.length === 0 ? (
        <p class="muted">
          No workflow here declares <code>workflow_dispatch</code>, so none can be started by hand.
        </p>
      ) : (
        <>
          <label>
            Workflow
            <select name="workflow" required>
              {startable.map((w) => (
                <option key={w.file} value={w.file}>
                  {w.name} ({w.file.replace(/^\.github\/workflows\//, "")})
                </option>
              ))}
            </select>
          </label>
          <label>
            Branch, tag or commit
            <input name="ref" list="run-refs" defaultValue={branches[0] ?? ""} placeholder="HEAD" />
          </label>
          <datalist id="run-refs">
            {branches.map((b) => (
              <option key={b} value={b} />
            ))}
          </datalist>
          <button type="submit" disabled={busy}>
            {busy ? "Starting…" : "Run"}
          </button>
        </>
      )}
      {message && (
        <p class={message.error ? "error" : "muted"} role={message.error ? "alert" : "status"}>
          {message.text}
        </p>
      )}
    </form>
  );
}

interface LogsReply {
  jobs: { key: string; id: string; lines: RunLogLine[] }[];
}

function RunDetail({ runId, session }: { runId: string; session: Session }) {
  const concerns = (c: Change) => c.kind === "run" && (c as { run: Run }).run.runId === runId;
  const path = `/api/runs/${encodeURIComponent(runId)}`;
  const run = useData(
    () => get<unknown>(path).then((r) => ((r as { run?: Run }).run ?? r) as Run),
    [runId],
    concerns,
  );
  const logs = useData(() => get<LogsReply>(`${path}/logs`), [runId], concerns);
  const artifacts = useData(
    () =>
      get<unknown>(`${path}/artifacts`).then((r) =>
        listOf<{ name: string; size?: number; url?: string }>(r, "artifacts"),
      ),
    [runId],
    concerns,
  );
  const summaries = useData(
    () => get<unknown>(`${path}/summary`).then((r) => listOf<{ key: string; markdown: string }>(r, "jobs")),
    [runId],
    concerns,
  );
  const running = run.data?.status === "running";
  const reloadLogs = logs.reload;
  useEffect(() => {
    // Lines arrive between run events (a step's output is stored every second): poll while it runs.
    if (!running) return;
    const timer = setInterval(reloadLogs, 2000);
    return () => clearInterval(timer);
  }, [running, reloadLogs]);

  const linesOf = (job: RunJob): RunLogLine[] => logs.data?.jobs.find((j) => j.key === job.key)?.lines ?? [];
  return (
    <article aria-labelledby="run-title" class="run">
      <h2 id="run-title">
        Run {run.data ? `#${run.data.runNumber ?? run.data.runId} ${run.data.workflow}` : runId}{" "}
        {run.data && <Badge value={statusOf(run.data)} />}
      </h2>
      <LoadState error={run.error} loading={run.loading && !run.data} what="This run" optional />
      {run.data && <RunFacts run={run.data} />}
      {run.data && <RunButtons run={run.data} session={session} reload={run.reload} />}
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
          <LoadState
            error={logs.error}
            loading={logs.loading && logs.data === undefined}
            what="Run logs"
            optional
          />
          {run.data.jobs.map((job) => (
            <JobLog key={job.key} job={job} lines={linesOf(job)} />
          ))}
        </>
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

/** The commit (short sha and message), the branch and event, who started the run, and when. */
function RunFacts({ run }: { run: Run }) {
  const [subject, ...body] = (run.commit?.message ?? "").split("\n");
  const rest = body.join("\n").trim();
  return (
    <dl class="facts run-facts">
      <div class="commit">
        <dt>Commit</dt>
        <dd>
          <span class="mono" title={run.sha}>
            {run.sha.slice(0, 7)}
          </span>{" "}
          {run.commit ? (
            <span class="commit-subject" data-testid="commit-message">
              {subject}
            </span>
          ) : (
            <span class="muted">(message not available)</span>
          )}
          {rest && <pre class="commit-body">{rest}</pre>}
        </dd>
      </div>
      <div>
        <dt>Branch</dt>
        <dd class="mono wrap">{shortRef(run.ref)}</dd>
      </div>
      <div>
        <dt>Event</dt>
        <dd>{run.event}</dd>
      </div>
      <div>
        <dt>Started by</dt>
        <dd>{run.actor ?? "slipway run"}</dd>
      </div>
      <div>
        <dt>Started</dt>
        <dd>{ago(run.startedAt)}</dd>
      </div>
      <div>
        <dt>Took</dt>
        <dd>{run.status === "running" ? "running…" : duration(run.durationMs)}</dd>
      </div>
    </dl>
  );
}

/** Re-run (a finished run, on the same commit) and Cancel (a running one), for roles allowed to. */
function RunButtons({ run, session, reload }: { run: Run; session: Session; reload: () => void }) {
  const [busy, setBusy] = useState("");
  const [message, setMessage] = useState<Message>(null);
  const running = run.status === "running";
  const acts = [
    ...(!running && can(session, "trigger-run") ? (["rerun"] as const) : []),
    ...(running && can(session, "cancel-run") ? (["cancel"] as const) : []),
  ];
  if (acts.length === 0) return null;
  const path = `/api/runs/${encodeURIComponent(run.runId)}`;
  const act = (which: "rerun" | "cancel") => {
    setBusy(which);
    setMessage(null);
    post<{ run: Run }>(`${path}/${which}`).then(
      (reply) => {
        setBusy("");
        if (which === "rerun") navigate(`/pipelines/${encodeURIComponent(reply.run.runId)}`);
        else {
          setMessage({ text: `Run #${run.runNumber ?? run.runId} cancelled.`, error: false });
          reload();
        }
      },
      (e: unknown) => {
        setBusy("");
        setMessage(messageOf(e));
        reload();
      },
    );
  };
  return (
    <div class="run-buttons" role="group" aria-label="run actions">
      {acts.includes("rerun") && (
        <button type="button" disabled={busy !== ""} onClick={() => act("rerun")}>
          {busy === "rerun" ? "Starting…" : "Re-run"}
        </button>
      )}
      {acts.includes("cancel") && (
        <button type="button" class="danger" disabled={busy !== ""} onClick={() => act("cancel")}>
          {busy === "cancel" ? "Cancelling…" : "Cancel"}
        </button>
      )}
      {message && (
        <p class={message.error ? "error" : "muted"} role={message.error ? "alert" : "status"}>
          {message.text}
        </p>
      )}
    </div>
  );
}

/** A job's log: one collapsible section per step, each line with its time. */
function JobLog({ job, lines }: { job: RunJob; lines: RunLogLine[] }) {
  const sections = stepSections(job, lines);
  return (
    <section class="job-log" aria-labelledby={`job-${job.key}`}>
      <h3 id={`job-${job.key}`}>
        {job.name} <Badge value={statusOf(job)} />
        {job.durationMs !== null && <span class="muted"> {duration(job.durationMs)}</span>}
      </h3>
      {sections.length === 0 && (
        <p class="muted">
          {job.status === "pending" || job.status === "waiting" ? "Not started." : "No output."}
        </p>
      )}
      {sections.map((section, i) => (
        <StepLog key={`${i}:${section.name}`} section={section} />
      ))}
    </section>
  );
}

function StepLog({ section }: { section: StepSection }) {
  const state = section.status === "running" ? "running" : (section.conclusion ?? "");
  return (
    <details class={`step ${state}`} open={section.open} data-step={section.name}>
      <summary>
        <span class="step-name">{section.name}</span> {state && <Badge value={state} />}
        {section.durationMs !== null && <span class="muted"> {duration(section.durationMs)}</span>}
      </summary>
      {section.lines.length === 0 ? (
        <p class="muted step-empty">{section.status === "running" ? "(no output yet)" : "(no output)"}</p>
      ) : (
        <ol class="log-lines" aria-label={`log of ${section.name}`}>
          {section.lines.map((line, i) => (
            <li key={i} class={line.level}>
              {line.at && (
                <time dateTime={line.at} title={line.at}>
                  {clock(line.at)}
                </time>
              )}
              <span class="text">{line.level === "group" ? `▸ ${line.text}` : line.text}</span>
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}
