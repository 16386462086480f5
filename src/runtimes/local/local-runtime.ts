/**
 * The local runtime: runs each revision's instances as detached process groups on this host,
 * probes them, restarts the crashed ones with backoff, and keeps state records so that a new
 * LocalRuntime on the same state directory (a restarted control plane) adopts the running
 * instances instead of starting duplicates.
 *
 * @example
 * const runtime = new LocalRuntime({ stateDir: ".slipway/runtime" });
 * await runtime.ensure({ revisionId: "web/production@v2", command: "node server.js", replicas: 2, ... });
 * const result = await runtime.waitReady("web/production@v2", { timeoutMs: 30_000 });
 * // later, on control-plane shutdown: await runtime.detach();  — the instances keep serving
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { pino } from "pino";
import { SlipwayError } from "../../core/errors.js";
import type { Logger } from "../../log.js";
import type {
  Instance,
  InstanceState,
  Probe,
  RevisionSpec,
  Runtime,
  RuntimeEvent,
  WaitReadyOptions,
  WaitReadyResult,
} from "../port.js";
import type { RestartPolicy } from "./backoff.js";
import { LOCAL_RUNTIME_DEFAULTS } from "./defaults.js";
import { type InstanceContext, ManagedInstance, RUNTIME_DIR_VARIABLE } from "./managed-instance.js";
import { allocatePort, isPortFree } from "./ports.js";
import { workDirOf } from "./work-dir.js";
import {
  clockTicksPerSecond,
  groupLeadersWithEnv,
  isSameProcess,
  membersOfGroups,
  rssBytes,
  signalGroup,
  uptimeSeconds,
} from "../../proc.js";
import { StateFiles, type InstanceRecord } from "./state-files.js";

export interface LocalRuntimeOptions {
  /** Where state records and instance logs live (e.g. `<dataDir>/runtime`). Created if missing. */
  stateDir: string;
  logger?: Logger;
  /** Epoch milliseconds; injected so tests can pin timestamps. Timers still use real time. */
  clock?: () => number;
  /** Address instances listen on and are probed at. Default 127.0.0.1. */
  host?: string;
  /** Restart backoff and give-up policy; unset fields keep their defaults. */
  restart?: Partial<RestartPolicy>;
  /** Names of the control plane's environment variables instances inherit (spec.env comes on top). */
  envAllowList?: readonly string[];
  /** Readiness probe for specs that have none. Default: TCP connect to the port. */
  defaultReadiness?: Probe;
  /** How often adopted processes are checked for life. */
  adoptedPollMs?: number;
}

interface RevisionEntry {
  spec: RevisionSpec;
  specHash: string;
  instances: Map<number, ManagedInstance>;
}

export class LocalRuntime implements Runtime {
  private readonly files: StateFiles;
  private readonly logger: Logger;
  private readonly ctx: InstanceContext;
  private readonly revisionsById = new Map<string, RevisionEntry>();
  /** Per-revision queue: ensure and stop of one revision never interleave. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Port of every instance we hold, including those waiting to restart, so none is handed out twice. */
  private readonly portsByInstance = new Map<string, number>();
  private portQueue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(event: RuntimeEvent) => void>();
  private readonly cpuSamples = new Map<string, { ticks: number; atSeconds: number }>();
  private detached = false;

  constructor(options: LocalRuntimeOptions) {
    this.files = new StateFiles(options.stateDir);
    this.logger = options.logger ?? pino({ enabled: false });
    const host = options.host ?? LOCAL_RUNTIME_DEFAULTS.host;
    const allowList = options.envAllowList ?? LOCAL_RUNTIME_DEFAULTS.envAllowList;
    const baseEnv: NodeJS.ProcessEnv = {};
    for (const name of allowList) if (process.env[name] !== undefined) baseEnv[name] = process.env[name];
    this.ctx = {
      files: this.files,
      logger: this.logger,
      now: options.clock ?? Date.now,
      host,
      shell: existsSync("/bin/bash") ? "/bin/bash" : "/bin/sh",
      policy: { ...LOCAL_RUNTIME_DEFAULTS.restart, ...options.restart },
      baseEnv,
      defaultReadiness: options.defaultReadiness ?? LOCAL_RUNTIME_DEFAULTS.defaultReadiness,
      adoptedPollMs: options.adoptedPollMs ?? LOCAL_RUNTIME_DEFAULTS.adoptedPollMs,
      claimPort: (instanceId, current) => this.claimPort(instanceId, current),
      changed: (instance, previous) => this.emit({ kind: "instance-state", instance, previous }),
    };
    this.adoptFromStateDir();
  }

  async ensure(spec: RevisionSpec): Promise<void> {
    this.assertAttached();
    validateSpec(spec);
    await this.serially(spec.revisionId, async () => {
      const specHash = hashSpec(spec);
      let entry = this.revisionsById.get(spec.revisionId);
      if (!entry) {
        entry = { spec, specHash, instances: new Map() };
        this.revisionsById.set(spec.revisionId, entry);
      }
      if (entry.specHash !== specHash)
        this.logger.info({ revision: spec.revisionId }, "revision spec changed");
      entry.spec = spec;
      entry.specHash = specHash;
      // Written before any process starts, so a crash right after spawning still leaves the spec to adopt with.
      this.files.writeRevision({ revisionId: spec.revisionId, specHash, spec });

      // A revision id names an immutable release, so a different spec is rare (changed env, probes):
      // the instances started with the old one are replaced, since the old command line is what runs.
      const outdated = [...entry.instances.values()].filter((instance) => instance.specHash !== specHash);
      const surplus = [...entry.instances.values()].filter((instance) => instance.index >= spec.replicas);
      const toStop = [...new Set([...outdated, ...surplus])];
      await Promise.all(toStop.map((instance) => this.stopInstance(entry, instance, spec.stopGraceMs)));

      const missing: number[] = [];
      for (let index = 0; index < spec.replicas; index += 1)
        if (!entry.instances.has(index)) missing.push(index);
      const started = await Promise.all(
        missing.map((index) => ManagedInstance.start(this.ctx, spec, specHash, index)),
      );
      for (const instance of started) entry.instances.set(instance.index, instance);
    });
  }

  instances(revisionId: string): Instance[] {
    const entry = this.revisionsById.get(revisionId);
    if (!entry) return [];
    return [...entry.instances.values()]
      .sort((a, b) => a.index - b.index)
      .map((instance) => instance.snapshot());
  }

  /** Revisions with at least one instance that runs or will run again (not stopped, not given up). */
  revisions(): string[] {
    const ids: string[] = [];
    for (const [id, entry] of this.revisionsById) {
      const live = [...entry.instances.values()].some(
        (instance) => instance.currentState !== "crashed" && instance.currentState !== "stopped",
      );
      if (live) ids.push(id);
    }
    return ids.sort();
  }

  async stop(revisionId: string, options: { graceMs?: number } = {}): Promise<void> {
    this.assertAttached();
    await this.serially(revisionId, async () => {
      const entry = this.revisionsById.get(revisionId);
      if (!entry) return;
      const graceMs = options.graceMs ?? entry.spec.stopGraceMs;
      // Recorded first: a control plane killed mid-stop finishes the stop when it comes back.
      this.files.writeRevision({ revisionId, specHash: entry.specHash, spec: entry.spec, stopping: true });
      await Promise.all(
        [...entry.instances.values()].map((instance) => this.stopInstance(entry, instance, graceMs)),
      );
      this.files.deleteRevision(revisionId);
      this.revisionsById.delete(revisionId);
      this.cpuSamples.delete(revisionId);
    });
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the port is async (a Kubernetes runtime asks an API)
  async resources(revisionId: string): Promise<{ cpuPercent: number; rssBytes: number }> {
    const entry = this.revisionsById.get(revisionId);
    const pgids = new Set(
      [...(entry?.instances.values() ?? [])]
        .map((instance) => instance.processGroup)
        .filter((pid) => pid > 0),
    );
    const groups = membersOfGroups(pgids);
    let ticks = 0;
    let rss = 0;
    let earliestStart = Number.POSITIVE_INFINITY;
    for (const members of groups.values()) {
      for (const member of members) {
        ticks += member.cpuTicks;
        rss += rssBytes(member.pid);
        earliestStart = Math.min(earliestStart, member.startTime);
      }
    }
    const hz = clockTicksPerSecond();
    const nowSeconds = uptimeSeconds();
    const previous = this.cpuSamples.get(revisionId);
    this.cpuSamples.set(revisionId, { ticks, atSeconds: nowSeconds });
    let cpuPercent = 0;
    if (previous && nowSeconds > previous.atSeconds) {
      // Since the last call: what a `top` refresh shows.
      cpuPercent = ((ticks - previous.ticks) / hz / (nowSeconds - previous.atSeconds)) * 100;
    } else if (Number.isFinite(earliestStart) && nowSeconds > earliestStart / hz) {
      // First call: the average over the processes' lifetime.
      cpuPercent = (ticks / hz / (nowSeconds - earliestStart / hz)) * 100;
    }
    return { cpuPercent: Math.max(0, Math.round(cpuPercent * 10) / 10), rssBytes: rss };
  }

  async detach(): Promise<void> {
    if (this.detached) return;
    this.detached = true;
    // Let running ensure/stop calls finish first: a half-started revision would be left unrecorded.
    await Promise.allSettled([...this.queues.values()]);
    for (const entry of this.revisionsById.values())
      for (const instance of entry.instances.values()) instance.detach();
    this.listeners.clear();
    this.logger.info("runtime detached; instances keep running");
  }

  async waitReady(revisionId: string, options: WaitReadyOptions): Promise<WaitReadyResult> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: WaitReadyResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unsubscribe();
        options.signal?.removeEventListener("abort", onAbort);
        resolve(result);
      };
      const evaluate = (): void => {
        const verdict = this.readiness(revisionId, options.minReady);
        if (verdict) finish(verdict);
      };
      const onAbort = (): void =>
        finish({
          outcome: "aborted",
          reason: "aborted by the caller",
          instances: this.instances(revisionId),
        });
      const timer = setTimeout(() => {
        finish({
          outcome: "timeout",
          reason: `not ready after ${options.timeoutMs} ms: ${describeInstances(this.instances(revisionId))}`,
          instances: this.instances(revisionId),
        });
      }, options.timeoutMs);
      const unsubscribe = this.subscribe((event) => {
        if (event.instance.revisionId === revisionId) evaluate();
      });
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      evaluate();
    });
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** "ready" / "failed" when that is certain now; undefined while it may still go either way. */
  private readiness(revisionId: string, minReady: number | undefined): WaitReadyResult | undefined {
    const entry = this.revisionsById.get(revisionId);
    if (!entry) {
      return {
        outcome: "failed",
        reason: `revision ${revisionId} is not running (never ensured, or stopped)`,
        instances: [],
      };
    }
    const instances = this.instances(revisionId);
    const crashed = instances.find((instance) => instance.state === "crashed");
    if (crashed) {
      return {
        outcome: "failed",
        reason: `${crashed.id} crashed: ${crashed.lastError ?? "unknown error"}`,
        instances,
      };
    }
    const needed = minReady ?? entry.spec.replicas;
    const ready = instances.filter((instance) => instance.state === "ready").length;
    return ready >= needed ? { outcome: "ready", instances } : undefined;
  }

  private async stopInstance(
    entry: RevisionEntry,
    instance: ManagedInstance,
    graceMs: number,
  ): Promise<void> {
    await instance.stop(graceMs);
    if (entry.instances.get(instance.index) === instance) entry.instances.delete(instance.index);
    this.portsByInstance.delete(instance.id);
  }

  private emit(event: RuntimeEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ err: error }, "runtime event listener threw");
      }
    }
  }

  private serially<T>(revisionId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(revisionId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.queues.set(revisionId, settled);
    void settled.then(() => {
      if (this.queues.get(revisionId) === settled) this.queues.delete(revisionId);
    });
    return next;
  }

  private claimPort(instanceId: string, current: number | undefined): Promise<number> {
    const work = async (): Promise<number> => {
      const reserved = new Set<number>();
      for (const [id, port] of this.portsByInstance) if (id !== instanceId) reserved.add(port);
      const port =
        current !== undefined && !reserved.has(current) && (await isPortFree(this.ctx.host, current))
          ? current
          : await allocatePort(this.ctx.host, reserved);
      this.portsByInstance.set(instanceId, port);
      return port;
    };
    const next = this.portQueue.then(work, work);
    this.portQueue = next.catch(() => undefined);
    return next;
  }

  private assertAttached(): void {
    if (this.detached) {
      throw new SlipwayError(
        "SLIPWAY_CONFLICT",
        "this runtime is detached; open a new LocalRuntime on the state directory",
      );
    }
  }

  /**
   * A process started by a runtime on this state directory but absent from every record (the
   * control plane died between spawn and record write) would serve on as an unmanaged duplicate:
   * it is found by its SLIPWAY_RUNTIME_DIR variable and stopped.
   */
  private stopUnrecordedInstances(): void {
    const known = new Set<number>();
    for (const entry of this.revisionsById.values()) {
      for (const instance of entry.instances.values())
        if (instance.processGroup > 0) known.add(instance.processGroup);
    }
    for (const pid of groupLeadersWithEnv(RUNTIME_DIR_VARIABLE, this.files.stateDir)) {
      if (known.has(pid)) continue;
      this.logger.warn(
        { pid },
        "instance without a state record (control plane died while starting it); stopping it",
      );
      signalGroup(pid, "SIGTERM");
    }
  }

  /**
   * Adoption, at construction: revisions whose records show a live process are supervised again
   * (dead instances among them restart); revisions with no live process are forgotten, so the
   * controller's next `ensure` starts them cleanly; a stop that was under way is finished.
   */
  private adoptFromStateDir(): void {
    const instanceRecords = this.files.readInstances();
    const byRevision = new Map<string, InstanceRecord[]>();
    for (const record of instanceRecords) {
      const list = byRevision.get(record.revisionId) ?? [];
      list.push(record);
      byRevision.set(record.revisionId, list);
    }
    const isLive = (record: InstanceRecord): boolean =>
      record.pid > 0 && isSameProcess(record.pid, record.procStartTime);

    for (const revision of this.files.readRevisions()) {
      const records = byRevision.get(revision.revisionId) ?? [];
      byRevision.delete(revision.revisionId);
      const entry: RevisionEntry = { spec: revision.spec, specHash: revision.specHash, instances: new Map() };

      if (revision.stopping) {
        this.logger.info(
          { revision: revision.revisionId },
          "finishing a stop interrupted by a control-plane exit",
        );
        for (const record of records) {
          entry.instances.set(record.index, ManagedInstance.adopt(this.ctx, revision.spec, record));
          this.portsByInstance.set(record.id, record.port);
        }
        this.revisionsById.set(revision.revisionId, entry);
        void this.stop(revision.revisionId).catch((error: unknown) =>
          this.logger.error({ err: error, revision: revision.revisionId }, "could not finish stop"),
        );
        continue;
      }
      if (!records.some(isLive)) {
        for (const record of records) this.files.deleteInstance(record.id);
        this.files.deleteRevision(revision.revisionId);
        this.logger.info({ revision: revision.revisionId }, "no live instance left; revision forgotten");
        continue;
      }
      for (const record of records) {
        // Reserve every recorded port before any restart claims one.
        this.portsByInstance.set(record.id, record.port);
      }
      for (const record of records) {
        entry.instances.set(record.index, ManagedInstance.adopt(this.ctx, revision.spec, record));
      }
      this.revisionsById.set(revision.revisionId, entry);
    }

    this.stopUnrecordedInstances();

    // Instance records without a revision record cannot be supervised (no spec): stop their processes.
    for (const records of byRevision.values()) {
      for (const record of records) {
        if (isLive(record)) {
          this.logger.warn(
            { instance: record.id, pid: record.pid },
            "orphan instance without a revision record; stopping it",
          );
          signalGroup(record.pid, "SIGTERM");
        }
        this.files.deleteInstance(record.id);
      }
    }
  }
}

/** Everything that changes what runs, but not the replica count: scaling must not replace instances. */
export function hashSpec(spec: RevisionSpec): string {
  const { replicas: _replicas, artifact, ...identity } = spec;
  // Hashed in the shape specs had before artifacts (the directory as `workDir`): instances started
  // by an older Slipway keep their hash, so upgrading the control plane does not replace them.
  const hashed = { ...identity, workDir: workDirOf(artifact) };
  return createHash("sha256").update(stableJson(hashed)).digest("hex").slice(0, 16);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function validateSpec(spec: RevisionSpec): void {
  const problems: string[] = [];
  if (!spec.revisionId) problems.push("revisionId is empty");
  if (!spec.command.trim()) problems.push("command is empty");
  if (!Number.isInteger(spec.replicas) || spec.replicas < 0)
    problems.push(`replicas must be an integer ≥ 0, got ${spec.replicas}`);
  if (!(spec.stopGraceMs >= 0)) problems.push(`stopGraceMs must be ≥ 0, got ${spec.stopGraceMs}`);
  const workDir = workDirOf(spec.artifact);
  if (!existsSync(workDir)) problems.push(`workDir ${workDir} does not exist`);
  for (const [name, probe] of [
    ["readiness", spec.readiness],
    ["liveness", spec.liveness],
  ] as const) {
    if (!probe) continue;
    if (!(probe.periodMs > 0)) problems.push(`${name}.periodMs must be > 0`);
    if (!(probe.timeoutMs > 0)) problems.push(`${name}.timeoutMs must be > 0`);
    if (!(probe.successThreshold >= 1)) problems.push(`${name}.successThreshold must be ≥ 1`);
    if (!(probe.failureThreshold >= 1)) problems.push(`${name}.failureThreshold must be ≥ 1`);
  }
  if (problems.length > 0) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `invalid revision spec ${spec.revisionId || "(no id)"}: ${problems.join("; ")}`,
      { problems },
    );
  }
}

function describeInstances(instances: Instance[]): string {
  if (instances.length === 0) return "no instances";
  const counts = new Map<InstanceState, number>();
  for (const instance of instances) counts.set(instance.state, (counts.get(instance.state) ?? 0) + 1);
  const summary = [...counts].map(([state, count]) => `${count} ${state}`).join(", ");
  const example = instances.find((instance) => instance.state !== "ready" && instance.lastError);
  return example ? `${summary}; ${example.id}: ${example.lastError}` : summary;
}
