import type { JobNode, JobResult, RunResult } from "../../core/workflow/model.js";
import type { RunSummary } from "../../store/ports/run-store.js";
import type { ApprovalRequest } from "../../core/access/approvals.js";

/**
 * What the runs API and the live-update stream say about one workflow run: the run, each job with
 * the jobs it needs (the graph the dashboard draws), status and timings. Built the same way for a
 * run in progress (from the engine's events) and a finished one (from the stored result), so a
 * client sees one shape throughout.
 */
export type RunStatus = "running" | "completed";
/** `waiting`: the job's environment needs an approval (POST /api/runs/:id/jobs/:job/approve). */
export type JobStatus = "pending" | "waiting" | "running" | "completed";

/** An approval a job waits for. */
export interface JobApproval {
  environment: string;
  /** Who started the run; they may not approve it. */
  requestedBy: string | null;
  /** Who may approve (names or ids); anyone else with the role when empty. */
  approvers: string[];
  /** ISO-8601. */
  expiresAt: string;
}

/** A step of a job: from the engine's events while the job runs, from its result once it ended. */
export interface RunStepView {
  name: string;
  status: "running" | "completed";
  conclusion: string | null;
  /** ISO-8601; null for results recorded before step start times were kept. */
  startedAt: string | null;
  durationMs: number | null;
}

export interface RunJobView {
  /** The job's id in the workflow (`build`); matrix combinations share it. */
  id: string;
  /** Unique within the run: the id plus the matrix values (`build (20, linux)`). */
  key: string;
  name: string;
  /** Job ids this job waits for. */
  needs: string[];
  status: JobStatus;
  conclusion: string | null;
  /** ISO-8601; null until it starts, and for jobs that never ran. */
  startedAt: string | null;
  durationMs: number | null;
  reason?: string;
  matrix?: Record<string, unknown> | null;
  approval?: JobApproval;
  /** Its steps so far, in order (the set-up and completion of the job are not steps). */
  steps?: RunStepView[];
}

export interface RunView {
  runId: string;
  runNumber: number | null;
  workflow: string;
  workflowFile: string;
  event: string;
  ref: string;
  sha: string;
  status: RunStatus;
  conclusion: string | null;
  startedAt: string;
  durationMs: number | null;
  /** Who asked for the run (`alice`, `webhook:octocat`); null for runs started by `slipway run`. */
  actor: string | null;
  reason?: string;
  jobs: RunJobView[];
}

/** The live-update message for a run (GET /api/events, `event: change`). */
export interface RunChange {
  kind: "run";
  run: RunView;
}

export type { JobNode } from "../../core/workflow/model.js";

/** What the server keeps beside the stored result: who asked, the graph, when each job started. */
export interface RunMeta {
  actor: string | null;
  graph: JobNode[];
  jobStartedAt: Record<string, string>;
  /** What a later server process needs to carry the run on (runs the server started). */
  resume?: RunResumeMeta;
}

/** How the run was asked for, what finished, and the approvals its jobs wait for. */
export interface RunResumeMeta {
  trigger: {
    event: string;
    payload?: Record<string, unknown>;
    ref?: string;
    /** The commit a re-run is pinned to. */
    sha?: string;
    inputs?: Record<string, string>;
    actor: string;
    /** Relative to the repository. */
    workflowFile: string;
  };
  finished: JobResult[];
  /** Job id → the approval request (votes, expiry) it waits on. */
  waiting: Record<string, ApprovalRequest>;
}

/** A run as the engine's events describe it so far. */
export interface LiveJobs {
  started: Map<string, { name: string; startedAt: string }>;
  finished: Map<string, JobResult>;
  /** Job ids waiting for an environment approval. */
  waiting?: Map<string, JobApproval>;
  /** Job key → the steps of a running job, by their index in the job. */
  steps?: Map<string, RunStepView[]>;
}

function jobFromResult(
  result: JobResult,
  node: JobNode | undefined,
  startedAt: string | undefined,
): RunJobView {
  return {
    id: result.id,
    key: result.key,
    name: result.name,
    needs: node?.needs ?? [],
    status: "completed",
    conclusion: result.conclusion,
    startedAt: startedAt ?? null,
    durationMs: result.durationMs,
    ...(result.reason === undefined ? {} : { reason: result.reason }),
    ...(result.matrix ? { matrix: result.matrix } : {}),
    steps: result.steps.map((step) => ({
      name: step.name,
      status: "completed",
      conclusion: step.conclusion,
      startedAt: step.startedAt ?? null,
      durationMs: step.durationMs,
    })),
  };
}

/** Job id of a key: `build (20, linux)` → `build`, `deploy / test` → `deploy`. */
export function jobIdOfKey(key: string): string {
  return key.split(" / ")[0]!.replace(/ \(.*\)$/, "");
}

/**
 * The jobs of a run, in graph order: finished jobs from `result` (or the live map), running ones,
 * then jobs of the graph that have not started (pending). Pure.
 */
export function jobViews(
  graph: readonly JobNode[],
  results: readonly JobResult[],
  live?: LiveJobs,
  startedAt: Record<string, string> = {},
): RunJobView[] {
  const nodes = new Map(graph.map((node) => [node.id, node]));
  const views: RunJobView[] = [];
  const seenIds = new Set<string>();
  const finishedKeys = new Set<string>();
  for (const result of results) {
    views.push(
      jobFromResult(
        result,
        nodes.get(result.id),
        startedAt[result.key] ?? live?.started.get(result.key)?.startedAt,
      ),
    );
    seenIds.add(result.id);
    finishedKeys.add(result.key);
  }
  if (live) {
    for (const [key, result] of live.finished) {
      if (finishedKeys.has(key)) continue;
      views.push(jobFromResult(result, nodes.get(result.id), live.started.get(key)?.startedAt));
      seenIds.add(result.id);
      finishedKeys.add(key);
    }
    for (const [key, started] of live.started) {
      if (finishedKeys.has(key)) continue;
      const id = jobIdOfKey(key);
      seenIds.add(id);
      views.push({
        id,
        key,
        name: started.name,
        needs: nodes.get(id)?.needs ?? [],
        status: "running",
        conclusion: null,
        startedAt: started.startedAt,
        durationMs: null,
        steps: (live.steps?.get(key) ?? []).filter(Boolean),
      });
    }
    for (const node of graph) {
      if (seenIds.has(node.id)) continue;
      const approval = live.waiting?.get(node.id);
      views.push({
        id: node.id,
        key: node.id,
        name: node.name,
        needs: node.needs,
        status: approval ? "waiting" : "pending",
        ...(approval ? { approval } : {}),
        conclusion: null,
        startedAt: null,
        durationMs: null,
      });
    }
  }
  const order = new Map(graph.map((node, index) => [node.id, index]));
  return views
    .map((view, index) => ({ view, index }))
    .sort((a, b) => (order.get(a.view.id) ?? 1e9) - (order.get(b.view.id) ?? 1e9) || a.index - b.index)
    .map(({ view }) => view);
}

/** The summary of a stored run as the run store returns it, with its result document when read whole. */
export type StoredRun = RunSummary & { result?: RunResult | null };

/** A stored run (finished or not) plus what the server knows besides; `live` while it runs here. */
export function runView(stored: StoredRun, meta: RunMeta | undefined, live?: LiveJobs): RunView {
  const result = stored.result ?? null;
  return {
    runId: stored.runId,
    runNumber: stored.runNumber,
    workflow: stored.workflow,
    workflowFile: stored.workflowFile,
    event: stored.event,
    ref: stored.ref,
    sha: stored.sha,
    status: stored.status,
    conclusion: stored.conclusion,
    startedAt: stored.startedAt,
    durationMs: stored.durationMs,
    actor: meta?.actor ?? null,
    ...(result?.reason === undefined ? {} : { reason: result.reason }),
    jobs: jobViews(meta?.graph ?? [], result?.jobs ?? [], result ? undefined : live, meta?.jobStartedAt),
  };
}

/**
 * The jobs `slipway logs --job` and `GET /api/runs/:id/logs?job=` name: by id or key, else by
 * the name shown (exactly, else ignoring case).
 */
export function jobsNamed<T extends { id: string; key: string; name: string }>(
  jobs: readonly T[],
  wanted: string,
): T[] {
  const byId = jobs.filter((job) => job.id === wanted || job.key === wanted);
  if (byId.length > 0) return byId;
  const exact = jobs.filter((job) => job.name === wanted);
  return exact.length > 0 ? exact : jobs.filter((job) => job.name.toLowerCase() === wanted.toLowerCase());
}
