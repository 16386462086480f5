import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import {
  castVote,
  requestApproval,
  type ApprovalRequest,
  type Voter,
  type VoteRefusal,
} from "../../core/access/approvals.js";
import { SlipwayError, isSlipwayError } from "../../core/errors.js";
import { parseCron } from "../../core/workflow/cron.js";
import { artifactStoreFor } from "../actions/builtin/artifacts.js";
import type { ArtifactRecord } from "../artifacts/artifact-store.js";
import { createArchive } from "../cache/archive.js";
import { commitInfo, localBranches, repositoryRoot, type CommitInfo } from "../git.js";
import type { RunStore } from "../../store/ports/run-store.js";
import { discoverWorkflows, loadWorkflow, WORKFLOWS_DIR } from "../load.js";
import type { RunEvent, RunResult } from "../../core/workflow/model.js";
import type { JobDispatch } from "../job-dispatch.js";
import { runWorkflows, type RunOptions } from "../run.js";
import {
  jobsNamed,
  runView,
  type LiveJobs,
  type RunChange,
  type JobApproval,
  type RunMeta,
  type RunView,
  type StoredRun,
} from "./run-view.js";
import { storageFault } from "../../store/storage-faults.js";

export type { RunStore };

/** What asks for workflow runs: an event as GitHub would deliver it, and who asked. */
export interface RunTrigger {
  /** push, pull_request, workflow_dispatch… */
  event: string;
  payload?: Record<string, unknown>;
  /** Branch, tag or commit; default: the payload's ref (push) or HEAD. */
  ref?: string;
  /** Run this commit under `ref` (a re-run), not the ref's commit now. */
  sha?: string;
  /** One workflow file (relative to the repository or a name in .github/workflows); default: all. */
  workflow?: string;
  inputs?: Record<string, string>;
  /** `alice`, `webhook:octocat`. */
  actor: string;
}

/** A stored log line as the API answers it. */
export interface RunLogLine {
  step: string;
  level: string;
  text: string;
  /** ISO-8601, when the line was written; absent on lines recorded before times were kept. */
  at?: string;
}

/** A job's stored log lines; `reason` when it ended before its first step (or was skipped). */
export interface RunJobLogs {
  key: string;
  id: string;
  lines: RunLogLine[];
  reason?: string;
}

/** A workflow file the dashboard's Run offers. */
export interface WorkflowListing {
  /** Relative to the repository (`.github/workflows/ci.yml`). */
  file: string;
  name: string;
  /** Whether `workflow_dispatch` (what Run sends) starts it. */
  dispatch: boolean;
  /** Why the file does not load, when it does not. */
  problem?: string;
}

export interface WorkflowsListing {
  workflows: WorkflowListing[];
  /** Local branch names, the checked-out one first. */
  branches: string[];
}

export interface TriggerOutcome {
  /** Runs that started (they carry on in the background). */
  runs: RunView[];
  /** Workflows whose `on:` did not match, with why. */
  skipped: { workflow: string; workflowFile: string; reason: string }[];
  /** Workflows that could not start (invalid file, missing input), with why. */
  failed: { workflowFile: string; code: string; message: string }[];
}

export interface RunManagerOptions {
  /** The project's repository (any directory inside it). */
  dir: string;
  /** `<project>/.slipway`: caches, artifacts, and the runs' metadata. */
  dataDir: string;
  store: RunStore;
  /** Secrets for `secrets.*` (masked in logs); default none. */
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  maxParallel?: number;
  /** Keep runs' worktrees for the next runs (RunOptions.reuseWorktrees; SLIPWAY_REUSE_WORKTREES=1). */
  reuseWorktrees?: boolean;
  /** Live updates (SSE): called after every run and job change. */
  publish?: (change: RunChange) => void;
  /** Called once per finished run (notifications). */
  onFinished?: (run: RunView) => void;
  log?: { warn(fields: object, message: string): void };
  /** The approval rule of an environment (slipway.yaml `approval`); undefined: jobs there run at once. */
  environmentApproval?: (
    environment: string,
  ) => { approvers: readonly string[]; expiryMs: number } | undefined;
  now?: () => number;
  /** Where jobs run: in this process (default), or on runners through a queue (`--runners queue`). */
  dispatch?: JobDispatch;
  /** The engine; tests may wrap it. */
  runWorkflows?: (options: RunOptions) => Promise<RunResult[]>;
}

interface PendingApproval {
  /** What the run view shows. */
  approval: JobApproval;
  /** What the approvals rule decides on. */
  request: ApprovalRequest;
  decide: (verdict: { ok: true } | { ok: false; reason: string }) => void;
  /** Keeps the request (votes so far) in the run's metadata, for a later server process. */
  persist: (request: ApprovalRequest) => void;
}

interface LiveRun {
  runId: string;
  controller: AbortController;
  jobs: LiveJobs;
  meta: RunMeta;
  done: Promise<unknown>;
  /**
   * Set when the server stops while the run only waits for approvals: the engine is stopped
   * without recording an end, so the next server process carries the run on.
   */
  suspended: boolean;
}

/**
 * Workflow runs inside the server process: starts `runWorkflows` for a trigger (one engine call per
 * workflow file, so each run can be followed and cancelled on its own, as GitHub runs them),
 * tracks the live ones, cancels on request, and publishes every run and job change.
 *
 * @example
 * const manager = new RunManager({ dir, dataDir, store: store.runs, publish: hub.publish });
 * const { runs } = await manager.trigger({ event: "workflow_dispatch", workflow: "deploy.yml", actor: "alice" });
 * await manager.cancel(runs[0].runId);
 */
export class RunManager {
  private readonly live = new Map<string, LiveRun>();
  /** The tail of the queue of published run views (publishView). */
  private publishing: Promise<void> = Promise.resolve();
  /** `<runId>/<jobId>` → the approval a job waits for. */
  private readonly approvals = new Map<string, PendingApproval>();
  private readonly pending = new Set<Promise<unknown>>();
  private root: string | undefined;
  private readonly metaDir: string;
  /** sha → its commit (undefined: not in the repository), oldest first. */
  private readonly commits = new Map<string, CommitInfo | undefined>();
  private stopped = false;
  private scheduleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RunManagerOptions) {
    this.metaDir = join(options.dataDir, "run-meta");
  }

  /** The repository; resolved when first needed, so a server for a project outside git still starts. */
  private get repoRoot(): string {
    this.root ??= repositoryRoot(resolve(this.options.dir));
    return this.root;
  }

  private inRepository(): boolean {
    try {
      return this.repoRoot !== "";
    } catch {
      return false;
    }
  }

  /**
   * Starts every workflow the trigger matches (or the one named) and resolves once each has started
   * or was skipped. Throws SLIPWAY_INVALID_ARGUMENT for a named workflow that is not there, does not
   * run on this event or cannot start (the message says why).
   */
  async trigger(trigger: RunTrigger): Promise<TriggerOutcome> {
    if (this.stopped) throw new SlipwayError("SLIPWAY_UNAVAILABLE", "the server is shutting down");
    const files =
      trigger.workflow === undefined
        ? discoverWorkflows(this.repoRoot)
        : [this.workflowPath(trigger.workflow)];
    const outcome: TriggerOutcome = { runs: [], skipped: [], failed: [] };
    const started = await Promise.all(files.map((file) => this.startOne(file, trigger)));
    for (const one of started) {
      if (one.kind === "started") outcome.runs.push(one.run);
      else if (one.kind === "skipped") outcome.skipped.push(one.skipped);
      else outcome.failed.push(one.failed);
    }
    if (trigger.workflow !== undefined) {
      const failed = outcome.failed[0];
      if (failed)
        throw new SlipwayError(
          failed.code === "SLIPWAY_INVALID_WORKFLOW"
            ? "SLIPWAY_INVALID_WORKFLOW"
            : "SLIPWAY_INVALID_ARGUMENT",
          failed.message,
        );
      const skipped = outcome.skipped[0];
      if (skipped) {
        throw new SlipwayError(
          "SLIPWAY_INVALID_ARGUMENT",
          `${skipped.workflowFile} does not run on ${trigger.event}: ${skipped.reason}`,
        );
      }
    }
    return outcome;
  }

  /**
   * At start-up: the runs this server started (they have run metadata) that are still recorded as
   * running were cut short by a stop or crash; they are marked `interrupted` rather than left
   * "running" for ever. Runs of a `slipway run` in a terminal have no metadata and are left alone.
   * Returns the ids marked.
   */
  async markInterrupted(): Promise<string[]> {
    const marked: string[] = [];
    const resumed: string[] = [];
    for (const runId of await this.options.store.runningRunIds()) {
      const meta = this.readMeta(runId);
      if (this.live.has(runId) || !meta) continue;
      const stored = await this.options.store.getRun(runId);
      // Jobs waiting for an approval lose nothing when the process stops: carry the run on.
      if (stored && waitsOnlyForApprovals(meta) && (await this.resume(stored, meta))) {
        resumed.push(runId);
        continue;
      }
      const duration = stored ? Math.max(0, this.now() - Date.parse(stored.startedAt)) : null;
      if (await this.options.store.markInterrupted(runId, duration)) marked.push(runId);
    }
    if (marked.length > 0) {
      this.options.log?.warn(
        { runs: marked },
        "runs interrupted by the previous server stop marked interrupted",
      );
    }
    if (resumed.length > 0) {
      this.options.log?.warn({ runs: resumed }, "runs waiting for an approval carried on after the restart");
    }
    return marked;
  }

  /** Starts the engine again for a run whose jobs waited for approvals; false when it cannot. */
  private async resume(stored: StoredRun, meta: RunMeta): Promise<boolean> {
    const saved = meta.resume;
    if (!saved) return false;
    let file: string;
    try {
      file = this.workflowPath(saved.trigger.workflowFile);
    } catch {
      return false;
    }
    const { workflowFile, ...trigger } = saved.trigger;
    const outcome = await this.startOne(file, { ...trigger, workflow: workflowFile }, { stored, meta });
    if (outcome.kind !== "started") {
      this.options.log?.warn(
        {
          runId: stored.runId,
          reason: outcome.kind === "failed" ? outcome.failed.message : outcome.skipped.reason,
        },
        "run waiting for an approval could not carry on",
      );
      return false;
    }
    return true;
  }

  /** Cancels a run in progress; resolves with the run once it has stopped. */
  async cancel(runId: string): Promise<RunView> {
    const run = this.live.get(runId);
    if (!run) {
      const stored = await this.get(runId);
      if (!stored) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no run ${runId}`);
      throw new SlipwayError(
        "SLIPWAY_CONFLICT",
        `run ${runId} is not running here (it is ${stored.status}${stored.conclusion ? `, ${stored.conclusion}` : ""})`,
      );
    }
    run.controller.abort();
    await run.done;
    return (await this.get(runId)) ?? (await this.viewOf(runId, run));
  }

  /**
   * Runs a finished run's workflow again on the same commit, with the same event, payload and
   * inputs (GitHub's "Re-run all jobs"), as a new run that `actor` started. SLIPWAY_CONFLICT while
   * the run is still going, or when the workflow no longer runs on its event.
   */
  async rerun(runId: string, actor: string): Promise<RunView> {
    const stored = /^\d+$/.test(runId) ? await this.options.store.getRun(runId) : undefined;
    if (!stored) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no run ${runId}`);
    if (stored.status === "running") {
      throw new SlipwayError(
        "SLIPWAY_CONFLICT",
        `run ${runId} is still running: cancel it or let it finish first`,
      );
    }
    if (!stored.sha)
      throw new SlipwayError("SLIPWAY_CONFLICT", `run ${runId} has no recorded commit to run again`);
    const saved = this.readMeta(runId)?.resume?.trigger;
    // The ref as the first run resolved it (refs/heads/main); a pull request's is recomputed.
    const ref = stored.event === "pull_request" ? saved?.ref : stored.ref || saved?.ref;
    const outcome = await this.trigger({
      event: stored.event,
      workflow: stored.workflowFile,
      ...(saved?.payload ? { payload: saved.payload } : {}),
      ...(saved?.inputs ? { inputs: saved.inputs } : {}),
      ...(ref ? { ref } : {}),
      sha: stored.sha,
      actor,
    }).catch((error: unknown) => {
      if (isSlipwayError(error) && error.code === "SLIPWAY_NOT_FOUND") {
        throw new SlipwayError("SLIPWAY_CONFLICT", `run ${runId} cannot run again: ${error.message}`);
      }
      throw error;
    });
    return outcome.runs[0]!;
  }

  /** The commit a run ran, with its message; cached, since a commit never changes. */
  async commit(sha: string): Promise<CommitInfo | undefined> {
    if (!this.inRepository()) return undefined;
    if (this.commits.has(sha)) return this.commits.get(sha);
    const info = await commitInfo(this.repoRoot, sha);
    if (this.commits.size >= 500) this.commits.delete(this.commits.keys().next().value!);
    this.commits.set(sha, info);
    return info;
  }

  /**
   * The repository's workflow files with their names and whether `workflow_dispatch` starts them
   * (what the dashboard's Run offers), and its branches, default first. A file that does not load
   * is listed with its problem.
   */
  async workflows(): Promise<WorkflowsListing> {
    if (!this.inRepository()) return { workflows: [], branches: [] };
    const workflows = await Promise.all(
      discoverWorkflows(this.repoRoot).map(async (path): Promise<WorkflowListing> => {
        const file = relative(this.repoRoot, path);
        try {
          const workflow = await loadWorkflow(path, { repoRoot: this.repoRoot });
          return { file, name: workflow.name, dispatch: Object.hasOwn(workflow.on, "workflow_dispatch") };
        } catch (error) {
          return { file, name: file, dispatch: false, problem: (error as Error).message };
        }
      }),
    );
    return { workflows, branches: localBranches(this.repoRoot) };
  }

  /** Most recent first. */
  async list(limit = 50): Promise<RunView[]> {
    return (await this.options.store.listRuns(limit)).map((stored) => this.view(stored));
  }

  async get(runId: string): Promise<RunView | undefined> {
    if (!/^\d+$/.test(runId)) return undefined;
    const stored = await this.options.store.getRun(runId);
    return stored && this.view(stored);
  }

  /**
   * Stored (masked) log lines per job key, in order; `job` names jobs as `slipway logs --job` does
   * (id, key or the name shown). A job named that has no lines (it ended before its first step,
   * or was skipped) is there with none, and the reason its result gives.
   */
  async logs(runId: string, job?: string): Promise<RunJobLogs[]> {
    const run = await this.get(runId);
    if (!run) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no run ${runId}`);
    const named = job === undefined ? undefined : jobsNamed(run.jobs, job);
    if (named?.length === 0) {
      const known = [...new Set(run.jobs.map((j) => j.name))];
      throw new SlipwayError(
        "SLIPWAY_NOT_FOUND",
        `run ${runId} has no job ${job}${known.length > 0 ? ` (jobs: ${known.join(", ")})` : ""}`,
      );
    }
    const byKey = new Map<string, RunJobLogs>();
    for (const { key, id, reason } of named ?? [])
      byKey.set(key, { key, id, lines: [], ...(reason === undefined ? {} : { reason }) });
    const stored = named
      ? (await Promise.all(named.map(({ key }) => this.options.store.getLogs(runId, key)))).flat()
      : await this.options.store.getLogs(runId);
    for (const line of stored) {
      let entry = byKey.get(line.jobKey);
      if (!entry) byKey.set(line.jobKey, (entry = { key: line.jobKey, id: line.jobId, lines: [] }));
      entry.lines.push({
        step: line.step,
        level: line.level,
        text: line.text,
        ...(line.at === undefined ? {} : { at: new Date(line.at).toISOString() }),
      });
    }
    return [...byKey.values()];
  }

  /** The run's live (unexpired) artifacts. */
  async artifacts(runId: string): Promise<ArtifactRecord[]> {
    if (!(await this.get(runId))) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no run ${runId}`);
    return artifactStoreFor(this.options.dataDir).list(runId);
  }

  /**
   * Packs artifact `name` of a run into a gzip tar in a fresh temporary directory; the caller
   * streams it and calls `cleanup`.
   */
  async artifactArchive(
    runId: string,
    name: string,
  ): Promise<{ path: string; record: ArtifactRecord; cleanup: () => void }> {
    const records = await this.artifacts(runId);
    const record = records.find((r) => r.name === name);
    if (!record) {
      throw new SlipwayError(
        "SLIPWAY_NOT_FOUND",
        `no artifact ${JSON.stringify(name)} in run ${runId}${records.length ? ` (artifacts: ${records.map((r) => r.name).join(", ")})` : " (the run has no artifacts)"}`,
      );
    }
    const tmp = mkdtempSync(join(tmpdir(), "slipway-artifact-"));
    const cleanup = (): void => rmSync(tmp, { recursive: true, force: true });
    try {
      const path = join(tmp, `${name}.tar.gz`);
      const source = join(this.options.dataDir, "artifacts", runId, name);
      await createArchive(path, source, readdirSync(source), "gzip");
      return { path, record, cleanup };
    } catch (error) {
      cleanup();
      throw error;
    }
  }

  /** The environment job `jobId` of a run waits in, if it waits for an approval. */
  waitingEnvironment(runId: string, jobId: string): string | undefined {
    return this.approvals.get(`${runId}/${jobId}`)?.approval.environment;
  }

  /**
   * Approves (or rejects) a job waiting for its environment's approval. The run's requester may
   * not approve their own run, as on GitHub; when the environment names approvers, only they may.
   */
  async decide(
    runId: string,
    jobId: string,
    principal: { id: string; name: string },
    verdict: "approve" | "reject",
    comment?: string,
  ): Promise<RunView> {
    const pending = this.approvals.get(`${runId}/${jobId}`);
    if (!pending) {
      if (!(await this.get(runId))) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no run ${runId}`);
      throw new SlipwayError(
        "SLIPWAY_CONFLICT",
        `job ${jobId} of run ${runId} is not waiting for an approval`,
      );
    }
    const { approval } = pending;
    const vote = castVote(pending.request, principal, verdict, this.now(), comment);
    if (!vote.ok) throw new SlipwayError(vote.code, refusalMessage(vote, runId, jobId, approval, principal));
    const { state } = vote;
    switch (state) {
      case "approved":
        pending.decide({ ok: true });
        break;
      case "rejected":
        pending.decide({
          ok: false,
          reason: `${principal.name} rejected the ${approval.environment} job${comment ? `: ${comment}` : ""}`,
        });
        break;
      case "pending": // more approvals needed; the expiry timer decides an expired request
      case "expired":
        pending.request = vote.request;
        pending.persist(vote.request);
        break;
      default: {
        const unreachable: never = state;
        return unreachable;
      }
    }
    return (await this.get(runId))!;
  }

  /** The engine asks before a job with `environment:` runs: wait for an approval when one is needed. */
  private gate(
    request: { runId: string; jobId: string; environment: string; signal: AbortSignal },
    jobs: LiveJobs,
    requestedBy: string,
    meta: RunMeta,
  ): Promise<{ ok: true } | { ok: false; reason: string }> {
    const rule = this.options.environmentApproval?.(request.environment);
    if (!rule) return Promise.resolve({ ok: true });
    if (request.signal.aborted) return Promise.resolve({ ok: false, reason: "the run was cancelled" });
    const now = this.now();
    const key = `${request.runId}/${request.jobId}`;
    // A request a previous server process made (votes, expiry) goes on where it was.
    const saved = meta.resume?.waiting[request.jobId];
    const restored = saved?.environment === request.environment ? saved : undefined;
    const expiresAt = restored?.expiresAt ?? now + rule.expiryMs;
    const approvers = restored?.approvers ?? rule.approvers;
    const approval: JobApproval = {
      environment: request.environment,
      requestedBy,
      approvers: [...approvers],
      expiresAt: new Date(expiresAt).toISOString(),
    };
    const persist = (vote: ApprovalRequest | undefined): void => {
      if (!meta.resume) return;
      if (vote) meta.resume.waiting[request.jobId] = vote;
      else delete meta.resume.waiting[request.jobId];
      this.writeMeta(request.runId, meta);
    };
    jobs.waiting ??= new Map();
    return new Promise((resolve) => {
      const finish = (verdict: { ok: true } | { ok: false; reason: string }): void => {
        clearTimeout(timer);
        request.signal.removeEventListener("abort", onAbort);
        this.approvals.delete(key);
        // Not on a cancel: that is this process stopping, and the next one carries the wait on.
        if (!request.signal.aborted) persist(undefined);
        jobs.waiting?.delete(request.jobId);
        resolve(verdict);
        const live = this.live.get(request.runId);
        if (live) this.publishView(request.runId, live);
      };
      const timer = setTimeout(
        () =>
          finish({
            ok: false,
            reason: `the approval for ${request.environment} expired after ${Math.round(rule.expiryMs / 1000)} s`,
          }),
        Math.max(0, expiresAt - now),
      );
      timer.unref();
      const onAbort = (): void => finish({ ok: false, reason: "the run was cancelled" });
      request.signal.addEventListener("abort", onAbort, { once: true });
      const vote =
        restored ??
        requestApproval({
          environment: request.environment,
          requestedBy: requestedBy,
          now,
          ttlMs: rule.expiryMs,
          approvers: rule.approvers,
        });
      persist(vote);
      this.approvals.set(key, { approval, request: vote, decide: finish, persist });
      jobs.waiting?.set(request.jobId, approval);
      const live = this.live.get(request.runId);
      if (live) this.publishView(request.runId, live);
    });
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Run ids in progress in this process. */
  running(): string[] {
    return [...this.live.keys()];
  }

  /**
   * Starts the workflows whose `on.schedule` has a cron that fires in the UTC minute of `at`
   * (event `schedule`, `github.event.schedule` the cron that fired; one run per workflow even when
   * several of its crons fire). A workflow that does not load is logged and left out.
   */
  async runSchedules(at: Date): Promise<RunView[]> {
    const started: RunView[] = [];
    // A project outside git has no workflows to schedule; throwing here (from a timer) killed
    // `slipway up` at the first full minute.
    if (!this.inRepository()) return started;
    for (const file of discoverWorkflows(this.repoRoot)) {
      let crons: string[];
      try {
        const workflow = await loadWorkflow(file, { repoRoot: this.repoRoot });
        const schedule = workflow.on.schedule;
        crons = Array.isArray(schedule)
          ? schedule.flatMap((entry: unknown) => {
              const cron = (entry as { cron?: unknown } | null)?.cron;
              return typeof cron === "string" ? [cron] : [];
            })
          : [];
      } catch (error) {
        this.options.log?.warn({ file, err: (error as Error).message }, "scheduled workflow not loadable");
        continue;
      }
      const due = crons.find((cron) => {
        const parsed = parseCron(cron);
        if (!parsed.ok) this.options.log?.warn({ file, cron }, parsed.problem);
        return parsed.ok && parsed.schedule.matches(at);
      });
      if (due === undefined) continue;
      try {
        const outcome = await this.trigger({
          event: "schedule",
          workflow: relative(this.repoRoot, file),
          actor: "schedule",
          payload: { schedule: due },
        });
        started.push(...outcome.runs);
      } catch (error) {
        this.options.log?.warn({ file, err: (error as Error).message }, "scheduled run did not start");
      }
    }
    return started;
  }

  /** Checks the schedules at the start of every minute (UTC) until stop(). */
  startSchedules(): void {
    const tick = (): void => {
      const now = this.now();
      // Just after the next minute starts, so a late timer still lands in the right minute.
      this.scheduleTimer = setTimeout(
        () => {
          if (this.stopped) return;
          void this.runSchedules(new Date(this.now())).finally(tick);
        },
        60_000 - (now % 60_000) + 500,
      );
      this.scheduleTimer.unref();
    };
    tick();
  }

  /** Cancels every run and waits for them to stop (server shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.scheduleTimer);
    for (const run of this.live.values()) {
      run.suspended = waitsOnlyForApprovals(run.meta);
      run.controller.abort();
    }
    await Promise.allSettled([...this.pending]);
  }

  private workflowPath(workflow: string): string {
    const path = workflow.includes("/")
      ? resolve(this.repoRoot, workflow)
      : join(this.repoRoot, WORKFLOWS_DIR, workflow);
    const rel = relative(this.repoRoot, path);
    if (rel.startsWith("..") || isAbsolute(rel) || !discoverWorkflows(this.repoRoot).includes(path)) {
      const known = discoverWorkflows(this.repoRoot).map((file) => relative(this.repoRoot, file));
      throw new SlipwayError(
        "SLIPWAY_NOT_FOUND",
        `no workflow ${workflow} in ${WORKFLOWS_DIR}${known.length ? ` (workflows: ${known.join(", ")})` : ""}`,
      );
    }
    return path;
  }

  private async startOne(
    file: string,
    trigger: RunTrigger,
    resumeFrom?: { stored: StoredRun; meta: RunMeta },
  ): Promise<
    | { kind: "started"; run: RunView }
    | { kind: "skipped"; skipped: TriggerOutcome["skipped"][number] }
    | { kind: "failed"; failed: TriggerOutcome["failed"][number] }
  > {
    const workflowFile = relative(this.repoRoot, file);
    const controller = new AbortController();
    const jobs: LiveJobs = { started: new Map(), finished: new Map() };
    const meta: RunMeta = resumeFrom?.meta ?? {
      actor: trigger.actor,
      // From the engine's run-started event, which has parsed the workflow.
      graph: [],
      jobStartedAt: {},
      resume: {
        trigger: {
          event: trigger.event,
          ...(trigger.payload ? { payload: trigger.payload } : {}),
          ...(trigger.ref === undefined ? {} : { ref: trigger.ref }),
          ...(trigger.sha === undefined ? {} : { sha: trigger.sha }),
          ...(trigger.inputs ? { inputs: trigger.inputs } : {}),
          actor: trigger.actor,
          workflowFile,
        },
        finished: [],
        waiting: {},
      },
    };
    let live: LiveRun | undefined;
    let announce: ((run: RunView) => void) | undefined;
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((ok) => (finish = ok));
    const startedSignal = new Promise<RunView>((ok) => (announce = ok));
    const engine = this.options.runWorkflows ?? runWorkflows;

    const onEvent = (event: RunEvent): void => {
      switch (event.type) {
        case "run-started": {
          if (!resumeFrom) meta.graph = event.jobs;
          live = { runId: event.runId, controller, jobs, meta, done: finished, suspended: false };
          this.live.set(event.runId, live);
          this.writeMeta(event.runId, meta);
          this.publishView(event.runId, live, (view) => announce?.(view));
          return;
        }
        case "job-started":
          if (!live) return;
          jobs.started.set(event.key, { name: event.name, startedAt: new Date().toISOString() });
          meta.jobStartedAt[event.key] = jobs.started.get(event.key)!.startedAt;
          this.publishView(live.runId, live);
          return;
        case "job-finished":
          if (!live) return;
          jobs.finished.set(event.key, event.result);
          if (
            !live.suspended &&
            meta.resume &&
            !meta.resume.finished.some((result) => result.key === event.key)
          ) {
            meta.resume.finished.push(event.result);
            this.writeMeta(live.runId, meta);
          }
          this.publishView(live.runId, live);
          return;
        case "step-started":
        case "step-finished": {
          if (!live) return;
          jobs.steps ??= new Map();
          const steps = jobs.steps.get(event.key) ?? [];
          jobs.steps.set(event.key, steps);
          steps[event.index] =
            event.type === "step-started"
              ? {
                  name: event.step,
                  status: "running",
                  conclusion: null,
                  startedAt: new Date().toISOString(),
                  durationMs: null,
                }
              : {
                  name: event.step,
                  status: "completed",
                  conclusion: event.result.conclusion,
                  startedAt: event.result.startedAt ?? steps[event.index]?.startedAt ?? null,
                  durationMs: event.result.durationMs,
                };
          this.publishView(live.runId, live);
          return;
        }
        case "run-finished":
        case "log":
        case "warning":
          return; // logs are read from the store; run-finished is handled when the engine returns
        default: {
          const unreachable: never = event;
          return unreachable;
        }
      }
    };

    const done = engine({
      dir: this.repoRoot,
      workflowFile: file,
      event: trigger.event,
      ...(trigger.payload ? { eventPayload: trigger.payload } : {}),
      ...(trigger.ref === undefined ? {} : { ref: trigger.ref }),
      ...(trigger.sha === undefined ? {} : { sha: trigger.sha }),
      ...(trigger.inputs ? { inputs: trigger.inputs } : {}),
      secrets: this.options.secrets ?? {},
      vars: this.options.vars ?? {},
      ...(this.options.maxParallel === undefined ? {} : { maxParallel: this.options.maxParallel }),
      ...(this.options.dispatch ? { dispatch: this.options.dispatch } : {}),
      ...(this.options.reuseWorktrees ? { reuseWorktrees: true } : {}),
      dataDir: this.options.dataDir,
      history: {
        startRun: (run) => this.options.store.startRun(run),
        appendLogs: (runId, key, jobId, lines) => this.options.store.appendLogs(runId, key, jobId, lines),
        finishRun: async (result) => {
          if (!live?.suspended) await this.options.store.finishRun(result);
        },
      },
      signal: controller.signal,
      onEvent,
      environmentGate: (request) => this.gate(request, jobs, trigger.actor, meta),
      ...(resumeFrom && meta.resume
        ? {
            resume: {
              runId: resumeFrom.stored.runId,
              runNumber: resumeFrom.stored.runNumber,
              startedAt: resumeFrom.stored.startedAt,
              sha: resumeFrom.stored.sha,
              finished: meta.resume.finished,
            },
          }
        : {}),
    }).then(
      (results) => ({ results }),
      (error: unknown) => ({ error }),
    );
    const tracked = done.then(async (outcome) => {
      if (!live) return;
      try {
        await this.settle(live, outcome);
      } finally {
        finish();
      }
    });
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
    const first = await Promise.race([startedSignal.then((run) => ({ started: run })), done]);
    if ("started" in first) return { kind: "started", run: first.started };
    if ("error" in first) {
      // A full or read-only disk (artifacts, cache, history) is named as such, not as a bug.
      const error = storageFault(first.error) ?? first.error;
      return {
        kind: "failed",
        failed: {
          workflowFile,
          code: isSlipwayError(error) ? error.code : "INTERNAL",
          message: isSlipwayError(error)
            ? [error.message, ...(error.details.problems ?? [])].join("; ")
            : (error as Error).message,
        },
      };
    }
    const skipped = first.results[0];
    return {
      kind: "skipped",
      skipped: {
        workflow: skipped?.workflow ?? workflowFile,
        workflowFile,
        reason: skipped?.reason ?? "the workflow did not run",
      },
    };
  }

  /** After the engine returned: forget the live state, keep the metadata, announce the outcome. */
  private async settle(live: LiveRun, outcome: { results: RunResult[] } | { error: unknown }): Promise<void> {
    this.live.delete(live.runId);
    this.writeMeta(live.runId, live.meta);
    if (live.suspended) return; // carried on by the next server process
    // After the run's earlier views, so subscribers see the finished run last.
    await this.publishing;
    const view = (await this.get(live.runId)) ?? (await this.viewOf(live.runId, live));
    this.publish(view);
    if ("error" in outcome) {
      const message = (outcome.error as Error).message;
      this.options.log?.warn({ runId: live.runId, err: message }, "workflow run failed to finish");
    }
    try {
      this.options.onFinished?.(view);
    } catch (error) {
      this.options.log?.warn(
        { runId: live.runId, err: (error as Error).message },
        "run finished hook failed",
      );
    }
  }

  private view(stored: StoredRun): RunView {
    const live = this.live.get(stored.runId);
    return runView(stored, live?.meta ?? this.readMeta(stored.runId), live?.jobs);
  }

  private async viewOf(runId: string, live: LiveRun): Promise<RunView> {
    const stored = await this.options.store.getRun(runId);
    if (stored) return runView(stored, live.meta, live.jobs);
    return runView(
      {
        runId,
        runNumber: 0,
        workflow: "",
        workflowFile: "",
        event: "",
        ref: "",
        sha: "",
        status: "running",
        conclusion: null,
        startedAt: new Date().toISOString(),
        durationMs: null,
      },
      live.meta,
      live.jobs,
    );
  }

  /**
   * Publish the run's view as of now. Views are read from the Store (asynchronous), so they queue
   * to reach subscribers in the order the changes happened.
   */
  private publishView(runId: string, live: LiveRun, then?: (view: RunView) => void): void {
    this.publishing = this.publishing
      .then(async () => {
        const view = await this.viewOf(runId, live);
        this.publish(view);
        then?.(view);
      })
      .catch((error: unknown) =>
        this.options.log?.warn({ runId, err: (error as Error).message }, "run change not published"),
      );
  }

  private publish(run: RunView): void {
    try {
      this.options.publish?.({ kind: "run", run });
    } catch (error) {
      this.options.log?.warn({ runId: run.runId, err: (error as Error).message }, "run change not published");
    }
  }

  private writeMeta(runId: string, meta: RunMeta): void {
    try {
      mkdirSync(this.metaDir, { recursive: true });
      const path = join(this.metaDir, `${runId}.json`);
      writeFileSync(`${path}.tmp`, JSON.stringify(meta));
      renameSync(`${path}.tmp`, path);
    } catch (error) {
      this.options.log?.warn({ runId, err: (error as Error).message }, "run metadata not written");
    }
  }

  private readMeta(runId: string): RunMeta | undefined {
    try {
      return JSON.parse(readFileSync(join(this.metaDir, `${runId}.json`), "utf8")) as RunMeta;
    } catch {
      return undefined;
    }
  }
}

function refusalMessage(
  refusal: VoteRefusal,
  runId: string,
  jobId: string,
  approval: JobApproval,
  principal: Voter,
): string {
  switch (refusal.reason) {
    case "closed":
      return `the approval of job ${jobId} of run ${runId} is already ${refusal.state}`;
    case "own-request":
      return `you started run ${runId}; someone else must approve its ${approval.environment} job`;
    case "not-an-approver":
      return `only ${approval.approvers.join(", ")} may approve jobs in ${approval.environment}`;
    case "already-voted":
      return `${principal.name} has already voted on job ${jobId} of run ${runId}`;
    default: {
      const unreachable: never = refusal;
      return unreachable;
    }
  }
}

/**
 * A run that only waited for approvals when its server stopped: some job waits, and every job
 * that had started had also finished (a job cut short in the middle cannot be carried on).
 */
function waitsOnlyForApprovals(meta: RunMeta): boolean {
  const saved = meta.resume;
  if (!saved || Object.keys(saved.waiting).length === 0) return false;
  const finished = new Set(saved.finished.map((result) => result.key));
  return Object.keys(meta.jobStartedAt).every((key) => finished.has(key));
}
