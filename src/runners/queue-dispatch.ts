import { createHash } from "node:crypto";
import PgBoss from "pg-boss";
import { SlipwayError } from "../core/errors.js";
import { unmatchedLabels } from "../core/workflow/runs-on.js";
import type { JobResult } from "../core/workflow/model.js";
import type { JobDispatch } from "../pipelines/job-dispatch.js";
import type { JobInstance, RunScope } from "../pipelines/run-scope.js";
import type { HeartbeatBody, HeartbeatReply, RemoteJobSpec } from "./protocol.js";

export interface QueueDispatchOptions {
  /** The server's PostgreSQL database: pg-boss keeps its queue in schema `pgboss` there. */
  databaseUrl: string;
  /** How often a runner beats while it runs a job (default 1 s). */
  heartbeatMs?: number;
  /** A runner silent this long is taken for dead and its job failed (default 10 s). */
  lostAfterMs?: number;
  log?: { warn(fields: object, message: string): void };
  now?: () => number;
}

/** A job handed to the queue and not finished yet; only the dispatching server knows it. */
interface Pending {
  queue: string;
  spec: RemoteJobSpec;
  scope: RunScope;
  instance: JobInstance;
  queuedAt: number;
  /** The runner that took it, and when it was last heard of. */
  runner?: string;
  lastBeat: number;
  cancelled: boolean;
  /** Serialises beats, so logs are stored in order. */
  beats: Promise<void>;
  settle(result: JobResult): void;
}

export const DEFAULT_HEARTBEAT_MS = 1_000;
export const DEFAULT_LOST_AFTER_MS = 10_000;
/** Queue jobs pg-boss itself expires: beyond GitHub's 6 h job limit; heartbeats come much sooner. */
const EXPIRE_SECONDS = 7 * 3600;

/**
 * Workflow jobs through a PostgreSQL queue (pg-boss) to `slipway runner`s on other hosts. pg-boss
 * owns the job's state (created → active → completed / failed / cancelled) and hands each job to
 * exactly one runner (`SELECT … FOR UPDATE SKIP LOCKED`); this adapter adds what a CI runner needs
 * on top: the job's spec (with its secrets) kept in memory and given over HTTP, live logs,
 * cancellation on the next beat, and a runner that stops beating declared lost and its job failed.
 *
 * One queue per `runs-on` label set; a runner takes from every queue whose labels it has.
 */
export class QueueDispatch implements JobDispatch {
  readonly local = false;
  readonly heartbeatMs: number;
  readonly lostAfterMs: number;
  private readonly now: () => number;
  private readonly queues = new Map<string, { labels: string[]; created: Promise<void> }>();
  private readonly pending = new Map<string, Pending>();
  private readonly waiting = new Set<() => void>();
  private readonly monitor: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly boss: PgBoss,
    private readonly options: QueueDispatchOptions,
  ) {
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.lostAfterMs = options.lostAfterMs ?? DEFAULT_LOST_AFTER_MS;
    this.now = options.now ?? Date.now;
    this.monitor = setInterval(() => void this.findLost(), Math.min(this.heartbeatMs, 1_000));
    this.monitor.unref();
  }

  /** Starts pg-boss on the database (creating or upgrading its schema once). */
  static async start(options: QueueDispatchOptions): Promise<QueueDispatch> {
    const boss = new PgBoss({
      connectionString: options.databaseUrl,
      max: 4,
      schedule: false,
      application_name: "slipway-runner-queue",
    });
    boss.on("error", (error: Error) => options.log?.warn({ err: error.message }, "job queue"));
    await boss.start();
    return new QueueDispatch(boss, options);
  }

  async run(scope: RunScope, instance: JobInstance, labels: readonly string[]): Promise<JobResult> {
    const started = this.now();
    let queue: string;
    let id: string | null;
    try {
      queue = await this.queueFor(labels);
      id = await this.boss.send(
        queue,
        { runId: scope.runId, key: instance.key, labels: [...labels] },
        { retryLimit: 0, expireInSeconds: EXPIRE_SECONDS },
      );
      if (!id) throw new Error("no id");
    } catch (error) {
      // The database is down (or refused): the job fails, as a job that cannot start does.
      const reason = `the job queue is unavailable: ${(error as Error).message}`;
      const line = { step: "Set up job", text: `Error: ${reason}`, level: "error" as const };
      scope.emit({ type: "log", key: instance.key, line });
      await scope.storeLogs(instance.key, instance.job.id, [line]).catch(() => undefined);
      return this.failed(instance, "failure", reason, started, scope);
    }
    return new Promise<JobResult>((resolve) => {
      const pending: Pending = {
        queue,
        spec: this.specOf(id, scope, instance),
        scope,
        instance,
        queuedAt: started,
        lastBeat: started,
        cancelled: false,
        beats: Promise.resolve(),
        settle: (result) => {
          if (!this.pending.delete(id)) return;
          instance.signal.removeEventListener("abort", onAbort);
          resolve(result);
        },
      };
      const onAbort = (): void => {
        pending.cancelled = true;
        // Not taken yet: it never runs. Taken: the runner learns it on its next beat.
        if (pending.runner === undefined) {
          void this.boss.cancel(queue, id).catch(() => undefined);
          this.giveUp(pending, "cancelled", "the job was cancelled before a runner took it");
        }
      };
      this.pending.set(id, pending);
      if (instance.signal.aborted) onAbort();
      else instance.signal.addEventListener("abort", onAbort, { once: true });
      this.wakeClaimers();
    });
  }

  /**
   * Gives the oldest job a runner with `labels` may take, waiting up to `waitMs` for one (a long
   * poll); undefined when none came or `signal` aborted (the runner hung up).
   */
  async claim(
    runner: string,
    labels: readonly string[],
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<RemoteJobSpec | undefined> {
    const deadline = this.now() + waitMs;
    for (;;) {
      if (this.closed || signal?.aborted) return undefined;
      for (const [name, queue] of this.queues) {
        if (unmatchedLabels(queue.labels, labels).length > 0) continue;
        await queue.created;
        const [job] = await this.boss.fetch<{ runId: string }>(name, { batchSize: 1 });
        if (!job) continue;
        const pending = this.pending.get(job.id);
        if (!pending) {
          // Queued by a server process that is gone: nobody waits for its result.
          await this.boss.fail(name, job.id, { reason: "the server that queued it stopped" });
          continue;
        }
        pending.runner = runner;
        pending.lastBeat = this.now();
        if (signal?.aborted) {
          this.giveUp(pending, "failure", `runner ${runner} hung up as it took the job`);
          await this.boss.fail(name, job.id, { reason: "runner hung up" }).catch(() => undefined);
          return undefined;
        }
        return pending.spec;
      }
      const left = deadline - this.now();
      if (left <= 0) return undefined;
      await this.nextWake(Math.min(left, 1_000), signal);
    }
  }

  /** Takes a runner's beat: its events and log lines, and answers whether to cancel. */
  async heartbeat(id: string, runner: string, body: HeartbeatBody): Promise<HeartbeatReply> {
    const pending = this.taken(id, runner);
    pending.lastBeat = this.now();
    const beat = pending.beats.then(async () => {
      for (const event of body.events) pending.scope.emit(event);
      if (body.stored.length > 0) {
        await pending.scope.storeLogs(pending.instance.key, pending.instance.job.id, body.stored);
      }
    });
    pending.beats = beat.catch(() => undefined);
    await beat;
    return { cancel: pending.cancelled };
  }

  /** The runner's result: the job is done. */
  async finish(id: string, runner: string, result: JobResult): Promise<void> {
    const pending = this.taken(id, runner);
    await pending.beats;
    const { job, key, name, matrix } = pending.instance;
    // What the runner says about its job; which job it was is the server's to say.
    const own: JobResult = { ...result, id: job.id, key, name, matrix };
    await (own.conclusion === "failure"
      ? this.boss.fail(pending.queue, id, { conclusion: own.conclusion })
      : this.boss.complete(pending.queue, id, { conclusion: own.conclusion }));
    pending.settle(own);
  }

  /** Where the job's commit and data directory are (the source bundle, uploaded files). */
  jobScope(id: string, runner: string): { repoRoot: string; dataDir: string; runId: string; sha: string } {
    const pending = this.taken(id, runner);
    return {
      repoRoot: pending.scope.repoRoot,
      dataDir: pending.scope.dataDir,
      runId: pending.scope.runId,
      sha: pending.spec.sha,
    };
  }

  /** Jobs queued or running on runners now (for status and tests). */
  inFlight(): { id: string; key: string; runner?: string; queuedAt: number }[] {
    return [...this.pending.entries()].map(([id, p]) => ({
      id,
      key: p.instance.key,
      queuedAt: p.queuedAt,
      ...(p.runner ? { runner: p.runner } : {}),
    }));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.monitor);
    this.wakeClaimers();
    for (const pending of [...this.pending.values()]) {
      this.giveUp(pending, "cancelled", "the server stopped");
    }
    await this.boss.stop({ graceful: false, wait: true, timeout: 5_000 });
  }

  private taken(id: string, runner: string): Pending {
    const pending = this.pending.get(id);
    if (!pending || pending.runner === undefined) {
      throw new SlipwayError("SLIPWAY_NOT_FOUND", `no job ${id} is running on a runner (given up, or finished)`);
    }
    if (pending.runner !== runner) {
      throw new SlipwayError("SLIPWAY_CONFLICT", `job ${id} was taken by another runner`);
    }
    return pending;
  }

  private async findLost(): Promise<void> {
    const now = this.now();
    for (const [id, pending] of this.pending) {
      if (pending.runner === undefined || now - pending.lastBeat <= this.lostAfterMs) continue;
      const silent = Math.round((now - pending.lastBeat) / 100) / 10;
      const reason = `runner ${pending.runner} lost: no heartbeat for ${silent}s`;
      this.options.log?.warn({ job: pending.instance.key, runner: pending.runner }, reason);
      this.giveUp(pending, "failure", reason);
      await this.boss.fail(pending.queue, id, { reason }).catch(() => undefined);
    }
  }

  /** Ends a job the runner will not report on: says why in its log, and settles it. */
  private giveUp(pending: Pending, conclusion: "failure" | "cancelled", reason: string): void {
    const { scope, instance } = pending;
    const line = { step: "Complete job", text: `Error: ${reason}`, level: "error" as const };
    scope.emit({ type: "log", key: instance.key, line });
    void pending.beats.then(() => scope.storeLogs(instance.key, instance.job.id, [line])).catch(() => undefined);
    pending.settle(this.failed(instance, conclusion, reason, pending.queuedAt, scope));
  }

  /** The result of a job that did not run to its end on a runner (emitted as finished). */
  private failed(
    instance: JobInstance,
    conclusion: "failure" | "cancelled",
    reason: string,
    since: number,
    scope?: RunScope,
  ): JobResult {
    const result: JobResult = {
      id: instance.job.id,
      key: instance.key,
      name: instance.name,
      matrix: instance.matrix,
      conclusion,
      outputs: {},
      steps: [],
      durationMs: this.now() - since,
      reason,
    };
    scope?.emit({ type: "job-finished", key: instance.key, result });
    return result;
  }

  private specOf(id: string, scope: RunScope, instance: JobInstance): RemoteJobSpec {
    return {
      id,
      runId: scope.runId,
      runNumber: scope.runNumber,
      sha: String(scope.github.sha),
      workflowFile: scope.workflow.file,
      jobId: instance.job.id,
      key: instance.key,
      name: instance.name,
      matrix: instance.matrix,
      strategy: instance.strategy,
      needs: instance.needs,
      github: scope.github,
      inputs: scope.inputs,
      vars: scope.vars,
      secrets: scope.secrets,
      baseSha: scope.baseSha,
      heartbeatMs: this.heartbeatMs,
      lostAfterMs: this.lostAfterMs,
    };
  }

  /** The queue of a label set, created in pg-boss on first use. */
  private async queueFor(labels: readonly string[]): Promise<string> {
    const sorted = [...new Set(labels.map((label) => label.toLowerCase()))].sort();
    const name = `slipway-jobs-${createHash("sha256").update(sorted.join("\n")).digest("hex").slice(0, 16)}`;
    let queue = this.queues.get(name);
    if (!queue) {
      queue = { labels: sorted, created: this.boss.createQueue(name, { name, retryLimit: 0 }) };
      this.queues.set(name, queue);
    }
    await queue.created;
    return name;
  }

  private wakeClaimers(): void {
    for (const wake of [...this.waiting]) wake();
  }

  private nextWake(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiting.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiting.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }
}
