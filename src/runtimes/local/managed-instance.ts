/**
 * One supervised instance: its process (spawned by us, or adopted from a previous control plane),
 * its probe loops, its restarts. The LocalRuntime owns a set of these per revision.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, closeSync, openSync } from "node:fs";
import type { Logger } from "../../log.js";
import type { Instance, InstanceState, Probe, ProbeResult, RevisionSpec } from "../port.js";
import { workDirOf } from "./work-dir.js";
import { decideRestart, type RestartPolicy } from "./backoff.js";
import { groupMembers, isSameProcess, readProcStat, signalGroup } from "../../proc.js";
import { runProbe } from "./probes.js";
import type { InstanceRecord, StateFiles } from "./state-files.js";

/** What every instance of a runtime shares: files, policy, clock, and the runtime's callbacks. */
export interface InstanceContext {
  files: StateFiles;
  logger: Logger;
  now: () => number;
  host: string;
  shell: string;
  policy: RestartPolicy;
  /** Environment every instance inherits (the allow-listed part of the control plane's). */
  baseEnv: NodeJS.ProcessEnv;
  /** Readiness probe when the spec has none: the port accepts connections. */
  defaultReadiness: Probe;
  /** How often an adopted process (not our child, so no exit event) is checked for life. */
  adoptedPollMs: number;
  /** A port for this instance: `current` if it is still free, else a new one no other instance holds. */
  claimPort(instanceId: string, current: number | undefined): Promise<number>;
  /** Called on every state change. */
  changed(instance: Instance, previous: InstanceState | undefined): void;
}

const POLL_MS = 50;
/** Environment variable naming the (absolute) state directory of the runtime that started an instance. */
export const RUNTIME_DIR_VARIABLE = "SLIPWAY_RUNTIME_DIR";
/** After SIGKILL, how long to wait for the kernel to reap the group before giving up waiting. */
const KILL_WAIT_MS = 5_000;

export class ManagedInstance {
  readonly id: string;
  readonly index: number;
  readonly logFile: string;
  spec: RevisionSpec;
  specHash: string;
  port: number;
  private pid = 0;
  private procStartTime = 0;
  private state: InstanceState = "starting";
  private restarts = 0;
  private startedAt: string;
  /** Why the last restart or give-up happened (crash, liveness): history that outlives a recovery. */
  private lastError: string | undefined;
  /** The latest readiness failure while unready; shown instead of lastError in that state only. */
  private readinessError: string | undefined;
  private nextRestartAt: string | undefined;
  /** Bumped at every spawn, adoption and exit: callbacks of an earlier process see a stale number and stop. */
  private generation = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private crashTimes: number[] = [];
  /** Set by stop() and detach(): no more probes, restarts or state writes from supervision. */
  private halted = false;
  /** Why we killed the process ourselves (liveness), reported instead of its exit status. */
  private killReason: string | undefined;
  private child: ChildProcess | undefined;
  /** The latest probe result of the current process (reset with each new process). */
  private lastProbe: ProbeResult | undefined;
  /** Liveness probing waits for the first readiness success of the current process. */
  private readySinceSpawn = false;

  private constructor(
    private readonly ctx: InstanceContext,
    spec: RevisionSpec,
    specHash: string,
    index: number,
    port: number,
  ) {
    this.spec = spec;
    this.specHash = specHash;
    this.index = index;
    this.id = `${spec.revisionId}#${index}`;
    this.port = port;
    this.logFile = ctx.files.logFile(this.id);
    this.startedAt = new Date(ctx.now()).toISOString();
  }

  /** A new instance: spawns its process now. */
  static async start(
    ctx: InstanceContext,
    spec: RevisionSpec,
    specHash: string,
    index: number,
  ): Promise<ManagedInstance> {
    const id = `${spec.revisionId}#${index}`;
    const instance = new ManagedInstance(ctx, spec, specHash, index, await ctx.claimPort(id, undefined));
    instance.spawnProcess();
    return instance;
  }

  /**
   * An instance from a state record written by an earlier runtime. A live process (same pid and
   * start time) is adopted as it is; a dead one counts as a crash and is restarted with backoff;
   * a "crashed" one stays crashed.
   */
  static adopt(ctx: InstanceContext, spec: RevisionSpec, record: InstanceRecord): ManagedInstance {
    const instance = new ManagedInstance(ctx, spec, record.specHash, record.index, record.port);
    instance.restarts = record.restarts;
    instance.startedAt = record.startedAt;
    instance.lastError = record.lastError;
    if (record.state === "crashed") {
      instance.state = "crashed";
      return instance;
    }
    if (record.pid > 0 && isSameProcess(record.pid, record.procStartTime)) {
      instance.pid = record.pid;
      instance.procStartTime = record.procStartTime;
      // Keep the recorded readiness so traffic decisions do not flap; the probes confirm it shortly.
      instance.state = record.state === "ready" || record.state === "unready" ? record.state : "starting";
      instance.readySinceSpawn = record.state !== "starting";
      const generation = ++instance.generation;
      instance.watchAdopted(generation);
      instance.scheduleProbes(generation);
      ctx.logger.info(
        { instance: instance.id, pid: record.pid, port: record.port },
        "adopted running instance",
      );
    } else {
      const reason =
        record.pid > 0
          ? `process ${record.pid} exited while no control plane watched it`
          : "restart was pending";
      instance.handleExit(instance.generation, reason);
    }
    return instance;
  }

  snapshot(): Instance {
    return {
      id: this.id,
      revisionId: this.spec.revisionId,
      pid: this.pid,
      host: this.ctx.host,
      port: this.port,
      state: this.state,
      restarts: this.restarts,
      startedAt: this.startedAt,
      logFile: this.logFile,
      ...(this.currentError() !== undefined ? { lastError: this.currentError() } : {}),
      ...(this.nextRestartAt !== undefined ? { nextRestartAt: this.nextRestartAt } : {}),
      ...(this.lastProbe ? { lastProbe: this.lastProbe } : {}),
    };
  }

  /** lastError as the port shows it: what explains the current state. */
  private currentError(): string | undefined {
    return this.state === "unready" ? (this.readinessError ?? this.lastError) : this.lastError;
  }

  get currentState(): InstanceState {
    return this.state;
  }

  /** The process group to measure: the pid, when a process runs. */
  get processGroup(): number {
    return this.pid;
  }

  /**
   * SIGTERM to the process group, SIGKILL to what is left after `graceMs`, then the state record
   * goes. Resolves when no process of the group is left (or the kernel did not reap it in time).
   */
  async stop(graceMs: number): Promise<void> {
    this.halted = true;
    this.clearTimers();
    this.setState("stopping");
    const pgid = this.pid;
    if (pgid > 0 && (isSameProcess(pgid, this.procStartTime) || groupMembers(pgid).length > 0)) {
      signalGroup(pgid, "SIGTERM");
      if (!(await waitForGroupExit(pgid, graceMs))) {
        this.log(`did not exit within ${graceMs} ms of SIGTERM; sending SIGKILL`);
        this.ctx.logger.warn({ instance: this.id, pid: pgid, graceMs }, "grace period over, SIGKILL");
        signalGroup(pgid, "SIGKILL");
        await waitForGroupExit(pgid, KILL_WAIT_MS);
      }
    }
    this.generation += 1;
    this.pid = 0;
    this.nextRestartAt = undefined;
    this.setState("stopped");
    this.ctx.files.deleteInstance(this.id);
  }

  /** Stop supervising; the process keeps running and its record stays for the next runtime to adopt. */
  detach(): void {
    this.halted = true;
    this.clearTimers();
    this.persist();
  }

  private spawnProcess(): void {
    if (this.halted) return;
    const generation = ++this.generation;
    const { spec, ctx } = this;
    const env: NodeJS.ProcessEnv = {
      ...ctx.baseEnv,
      ...spec.env,
      PORT: String(this.port),
      SLIPWAY_REVISION: spec.revisionId,
      SLIPWAY_INSTANCE: this.id,
      SLIPWAY_SERVICE: spec.service,
      SLIPWAY_ENVIRONMENT: spec.environment,
      SLIPWAY_VERSION: spec.version,
      // Marks the process as ours, so a runtime finds it even if its state record was never written.
      [RUNTIME_DIR_VARIABLE]: ctx.files.stateDir,
    };
    const out = openSync(this.logFile, "a", 0o600);
    let child: ChildProcess;
    try {
      this.log(
        `starting (${this.restarts > 0 ? `restart ${this.restarts}` : "first start"}) on port ${this.port}`,
        out,
      );
      // detached: own session and process group, so signals reach everything the command starts and
      // the instance outlives the control plane. The log fd is inherited, not piped: no SIGPIPE later.
      child = spawn(ctx.shell, ["-c", spec.command], {
        cwd: workDirOf(spec.artifact),
        env,
        detached: true,
        stdio: ["ignore", out, out],
      });
    } finally {
      closeSync(out);
    }
    this.child = child;
    child.unref();
    child.once("error", (error) => this.handleExit(generation, `failed to start: ${error.message}`));
    child.once("exit", (code, signal) =>
      this.handleExit(
        generation,
        code !== null ? `exited with code ${code}` : `killed by ${signal ?? "a signal"}`,
      ),
    );
    if (child.pid === undefined) return; // the "error" event follows
    this.pid = child.pid;
    this.procStartTime = readProcStat(child.pid)?.startTime ?? 0;
    this.startedAt = new Date(ctx.now()).toISOString();
    this.nextRestartAt = undefined;
    this.readySinceSpawn = false;
    this.lastProbe = undefined;
    this.readinessError = undefined;
    this.setState("starting", true);
    ctx.logger.info({ instance: this.id, pid: this.pid, port: this.port }, "instance started");
    this.scheduleProbes(generation);
  }

  /** An adopted process is not our child: no exit event, so look at /proc now and then. */
  private watchAdopted(generation: number): void {
    const check = (): void => {
      if (generation !== this.generation || this.halted) return;
      if (!isSameProcess(this.pid, this.procStartTime)) {
        this.handleExit(generation, "exited (adopted process: exit status unknown)");
        return;
      }
      this.later(check, this.ctx.adoptedPollMs);
    };
    this.later(check, this.ctx.adoptedPollMs);
  }

  /** The process is gone: restart it after a backoff, or give up and become "crashed". */
  private handleExit(generation: number, status: string): void {
    if (generation !== this.generation) return;
    this.generation += 1;
    this.clearTimers();
    const pgid = this.pid;
    this.pid = 0;
    this.child = undefined;
    // stop() or detach() is in charge. During a stop the shell may die of SIGTERM before the server
    // it started has drained: the rest of the group keeps its grace period (stop() waits for it).
    if (this.halted) return;
    if (pgid > 0) signalGroup(pgid, "SIGKILL"); // a crash: whatever the command left behind in its group
    const reason = this.killReason ?? status;
    this.killReason = undefined;
    this.log(reason);
    const decision = decideRestart(this.crashTimes, this.ctx.now(), this.ctx.policy);
    this.crashTimes = decision.recentCrashes;
    switch (decision.action) {
      case "restart": {
        this.lastError = reason;
        this.nextRestartAt = new Date(this.ctx.now() + decision.delayMs).toISOString();
        this.ctx.logger.warn(
          { instance: this.id, reason, delayMs: decision.delayMs },
          "instance exited, restarting",
        );
        this.setState("starting", true);
        this.later(() => {
          this.restarts += 1;
          void this.respawn();
        }, decision.delayMs);
        return;
      }
      case "give-up": {
        const crashes = decision.recentCrashes.length;
        this.lastError = `${reason} (gave up after ${crashes} crashes within ${Math.round(this.ctx.policy.windowMs / 1000)} s)`;
        this.nextRestartAt = undefined;
        this.ctx.logger.error(
          { instance: this.id, reason, crashes },
          "instance crashed too often, giving up",
        );
        this.log(`giving up: ${this.lastError}`);
        this.setState("crashed", true);
        return;
      }
      default: {
        const unreachable: never = decision;
        throw new Error(`unknown restart decision ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private async respawn(): Promise<void> {
    // The port may have been taken while we waited; a new one is claimed then (the controller reads
    // ports from instances(), so routes follow).
    const port = await this.ctx.claimPort(this.id, this.port);
    if (this.halted) return;
    this.port = port;
    this.spawnProcess();
  }

  private scheduleProbes(generation: number): void {
    this.probeLoop("readiness", this.spec.readiness ?? this.ctx.defaultReadiness, generation);
    if (this.spec.liveness) this.probeLoop("liveness", this.spec.liveness, generation);
  }

  private probeLoop(kind: "readiness" | "liveness", probe: Probe, generation: number): void {
    let successes = 0;
    let failures = 0;
    const tick = async (): Promise<void> => {
      if (generation !== this.generation || this.halted) return;
      // Liveness counts only once the instance has been ready: a slow boot is readiness's business
      // (what Kubernetes needs a separate startup probe for), not a reason to kill and restart.
      if (kind === "liveness" && !this.readySinceSpawn) {
        this.later(() => void tick(), probe.periodMs);
        return;
      }
      const outcome = await runProbe(
        probe.check,
        { host: this.ctx.host, port: this.port, cwd: workDirOf(this.spec.artifact), env: this.probeEnv() },
        probe.timeoutMs,
      );
      if (generation !== this.generation || this.halted) return;
      // Readiness is what the dashboard shows; a liveness probe is shown only when it failed.
      if (kind === "readiness" || !outcome.ok)
        this.lastProbe = {
          kind,
          ok: outcome.ok,
          at: new Date(this.ctx.now()).toISOString(),
          ...(outcome.ok ? {} : { reason: outcome.reason }),
        };
      if (outcome.ok) {
        successes += 1;
        failures = 0;
      } else {
        failures += 1;
        successes = 0;
      }
      if (kind === "readiness") {
        if (outcome.ok && successes >= probe.successThreshold && this.state !== "ready") {
          this.setState("ready");
        } else if (!outcome.ok && failures >= probe.failureThreshold) {
          // While unready, the error shown follows the latest reason ("connection refused" while
          // booting, then "answered 503"), so status says what is wrong now.
          this.readinessError = `readiness: ${outcome.reason}`;
          this.setState("unready");
        }
        if (outcome.ok && this.state === "ready") {
          this.readySinceSpawn = true;
          this.readinessError = undefined;
        }
      } else if (!outcome.ok && failures >= probe.failureThreshold) {
        this.killForRestart(`liveness failed ${failures} times: ${outcome.reason}`);
        return;
      }
      this.later(() => void tick(), probe.periodMs);
    };
    this.later(() => void tick(), probe.initialDelayMs);
  }

  private probeEnv(): NodeJS.ProcessEnv {
    return { ...this.ctx.baseEnv, ...this.spec.env, PORT: String(this.port) };
  }

  /** Liveness failed: SIGTERM (SIGKILL after the grace period); the exit then restarts it. */
  private killForRestart(reason: string): void {
    const pgid = this.pid;
    if (pgid <= 0) return;
    this.killReason = reason;
    this.ctx.logger.warn({ instance: this.id, reason }, "liveness failed, restarting instance");
    if (this.state === "ready") this.setState("unready", true);
    signalGroup(pgid, "SIGTERM");
    const generation = this.generation;
    this.later(() => {
      if (generation === this.generation) signalGroup(pgid, "SIGKILL");
    }, this.spec.stopGraceMs);
  }

  private setState(next: InstanceState, force = false): void {
    const previous = this.state;
    if (previous === next && !force) return;
    this.state = next;
    if (next !== "stopped") this.persist();
    this.ctx.changed(this.snapshot(), previous);
  }

  private persist(): void {
    const record: InstanceRecord = {
      id: this.id,
      revisionId: this.spec.revisionId,
      index: this.index,
      specHash: this.specHash,
      pid: this.pid,
      procStartTime: this.procStartTime,
      host: this.ctx.host,
      port: this.port,
      state: this.state,
      restarts: this.restarts,
      startedAt: this.startedAt,
      logFile: this.logFile,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
    this.ctx.files.writeInstance(record);
  }

  /** A line in the instance's own log, so `slipway logs` shows why it restarted. */
  private log(message: string, fd?: number): void {
    const line = `--- slipway ${new Date(this.ctx.now()).toISOString()} ${this.id}: ${message}\n`;
    try {
      appendFileSync(fd ?? this.logFile, line);
    } catch {
      // the log directory vanished: supervision matters more than this line
    }
  }

  private later(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

async function waitForGroupExit(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (groupMembers(pgid).length === 0) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(POLL_MS, Math.max(1, deadline - Date.now()))),
    );
  }
}
