import { pino } from "pino";
import { requestApproval } from "../core/access/approvals.js";
import { admitDeploy, planRollback } from "../core/rollout/admission.js";
import { voteOn } from "../core/rollout/approval.js";
import { abortDecision, promoteDecision, type ManualDecision } from "../core/rollout/manual.js";
import { abandon, nextAction } from "../core/rollout/next-action.js";
import { liveRevision } from "../core/rollout/traffic.js";
import {
  isDeciding,
  isTransition,
  type RevisionRef,
  type Rollout,
  type Transition,
} from "../core/rollout/types.js";
import { SlipwayError } from "../core/errors.js";
import { refusalMessage, type PolicyVerdict } from "../core/policy/types.js";
import { DEFAULTS } from "../core/defaults.js";
import type { Logger } from "../log.js";
import { RepeatedFailureGate } from "../log-repeats.js";
import type { Runtime } from "../runtimes/port.js";
import { Measurer } from "./measurer.js";
import { Observer } from "./observer.js";
import type { RolloutStore, StoredEvent } from "../store/ports/rollout-store.js";
import { ReleaseWatch } from "./release-watch.js";
import { SMOKE_URL_ENV, type DeployRequest, type ReleaseSource } from "./release-source.js";
import { SmokeRunner } from "./smoke.js";
import { ChangeFeed, type ControllerChange } from "./change-feed.js";
import { refOf, revisionId } from "./revision-ids.js";
import { progressOf, rolloutInstances, statusView } from "./status-view.js";
import { Healer, type ServingReport } from "./healer.js";
import { SeriesRecorder } from "./series-recorder.js";
import type { RolloutSeriesStore } from "../store/ports/rollout-series-store.js";
import type { DataPlaneKeeper, TrafficRouter } from "../traffic/port.js";

export interface ControllerOptions {
  store: RolloutStore;
  runtime: Runtime;
  router: TrafficRouter;
  releases: ReleaseSource;
  /** Epoch ms; injected so the state machine sees one clock. */
  clock?: () => number;
  logger?: Logger;
  /** How often rollouts are stepped and proxy stats sampled. */
  tickMs?: number;
  /**
   * Keeps the proxy process alive (restarts it when it is gone). Without it the controller still
   * resends tables and restarts missing instances, and judges the proxy by its route syncs.
   */
  dataPlane?: DataPlaneKeeper;
  /**
   * The environment's release policy (src/evidence/policy-gate.ts), asked once the release is
   * built: every deploy (API, CLI, webhook) passes here. Without it every release is admitted.
   */
  policy?: DeployPolicy;
  /** Where each rollout's weights and rates over time are recorded (its page's charts); none: not recorded. */
  series?: RolloutSeriesStore;
}

/** Judges a built release against the target environment's policy. */
export interface DeployPolicy {
  verdict(service: string, version: string, environment: string): Promise<PolicyVerdict>;
}

export type { ServingReport } from "./healer.js";

export interface DeployResult {
  result: "started" | "noop";
  message: string;
  rollout?: Rollout;
}

/** A deploy as the controller takes it: who asks, why, and whether it must wait for an approval. */
export type ControllerDeployRequest = DeployRequest & {
  actor: string;
  reason?: string;
  /** Hold the rollout in "awaiting-approval" until someone other than `actor` approves it. */
  hold?: { reason: string; approvers: string[]; expiryMs: number };
  /** Recorded in the audit trail (e.g. an admin deploying inside a freeze window). */
  audit?: { freezeOverride?: { by: string; reason: string; windowEndsAt: number } };
  /** An admin deploying a release the environment's policy refuses; checked by the caller, audited here. */
  policyOverride?: { by: string; reason: string };
};

export interface PromoteOptions {
  actor: string;
  /** All traffic to the candidate now, skipping the remaining steps and analysis. */
  full?: boolean;
  reason?: string;
}

export interface AbortOptions {
  actor: string;
  reason: string;
}

export interface ApproveOptions {
  principal: { id: string; name: string };
  verdict: "approve" | "reject";
  comment?: string;
}

export type { ControllerChange } from "./change-feed.js";

export interface RollbackRequest {
  service: string;
  environment: string;
  to?: string;
  reason: string;
  actor: string;
  /** Decided by the controller itself (the post-promotion watch): `reason` is recorded as given. */
  automatic?: boolean;
}

const CONTROLLER = "controller";
/** Longest trigger window we may be asked about: samples older than this are dropped. */
const KEEP_SAMPLES_MS = 15 * 60_000;

/**
 * The rollout controller: steps every unfinished rollout through `nextAction`, committing each
 * transition with its audit event BEFORE performing its (idempotent) side effect, and keeps the
 * proxy's route table equal to the Store's desired traffic. A restarted controller reloads the
 * unfinished rollouts and carries on from their committed phase.
 */
export class RolloutController {
  private readonly store: RolloutStore;
  private readonly runtime: Runtime;
  private readonly router: TrafficRouter;
  private readonly releases: ReleaseSource;
  private readonly clock: () => number;
  private readonly log: Logger;
  private readonly tickMs: number;
  /** A fault (full disk, damaged database) fails every tick: log it once a minute, not 4 times a second. */
  private readonly tickFailures = new RepeatedFailureGate(DEFAULTS.repeatedFailureLogMs);
  private readonly observer: Observer;
  private readonly smoke = new SmokeRunner();
  private timer: NodeJS.Timeout | undefined;
  private following: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  /** Set by stop(): a measurement or runtime event that lands afterwards must not start a tick. */
  private stopped = false;
  /** The tail of the read-decide-commit chain (see serially). */
  private deciding: Promise<unknown> = Promise.resolve();
  private readonly stopping = new Set<Promise<void>>();
  /**
   * False (undefined before the first sync) while the proxy has not acknowledged the desired table:
   * nothing is stopped, promoted or advanced meanwhile.
   */
  private routesInSync: boolean | undefined;
  private readonly changes: ChangeFeed;
  private readonly measurer: Measurer;
  /** The reconcile pass, run at the start of every tick; keeps the last ServingReport. */
  private readonly healer: Healer;
  /** Whether the last stats read failed, so a dead proxy is logged once, not four times a second. */
  private statsFailing = false;
  private readonly watch: ReleaseWatch;
  private readonly policy: DeployPolicy | undefined;
  private readonly series: SeriesRecorder | undefined;

  constructor(options: ControllerOptions) {
    this.store = options.store;
    this.runtime = options.runtime;
    this.router = options.router;
    this.releases = options.releases;
    this.policy = options.policy;
    this.clock = options.clock ?? Date.now;
    this.log = options.logger ?? pino({ enabled: false });
    this.tickMs = options.tickMs ?? 250;
    this.changes = new ChangeFeed(this.store, this.log);
    this.healer = new Healer({
      store: this.store,
      runtime: this.runtime,
      router: this.router,
      dataPlane: options.dataPlane,
      clock: this.clock,
      logger: this.log,
      routes: { inSync: () => this.routesInSync, sync: () => this.syncRoutes() },
    });
    this.observer = new Observer(this.runtime, KEEP_SAMPLES_MS);
    this.measurer = new Measurer({
      store: this.store,
      stats: this.router,
      runtime: this.runtime,
      clock: this.clock,
      logger: this.log,
      onChange: (rollout) => {
        this.changes.emit({ kind: "rollout", rollout });
        this.kick();
      },
    });
    this.series = options.series
      ? new SeriesRecorder({
          store: this.store,
          series: options.series,
          samplesOf: (id) => this.observer.samplesOf(id),
          logger: this.log,
        })
      : undefined;
    this.watch = new ReleaseWatch({
      store: this.store,
      observer: this.observer,
      clock: this.clock,
      logger: this.log,
      rollback: (r) => this.rollback({ ...r, actor: CONTROLLER, automatic: true }),
    });
  }

  /**
   * Hear every change after it is committed (the API's live updates). Returns the unsubscribe.
   * @example const off = controller.subscribe((c) => c.kind === "event" && console.log(c.event.message));
   */
  subscribe(listener: (change: ControllerChange) => void): () => void {
    return this.changes.subscribe(listener);
  }

  /**
   * Runs one read-decide-commit of a rollout at a time. A transition's patch is computed from the
   * document read first: without this, a manual promote committed between the loop's read and its
   * commit would be half overwritten (the loop's stale phase over the promote's step). With an
   * in-process SQLite store the gap was too short to see; over a network (PostgreSQL) it is not.
   * Side effects (perform) run outside: they may take seconds.
   */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.deciding.then(work);
    this.deciding = run.catch(() => undefined);
    return run;
  }

  /** Commit a transition with its event, then tell subscribers. */
  private async commit(rolloutId: string, transition: Transition, actor: string): Promise<Rollout> {
    const rollout = await this.store.commitTransition(rolloutId, transition, actor);
    await this.changes.emitCommitted(rollout);
    return rollout;
  }

  /** Replays the side effect of each unfinished rollout's phase, then starts the loop. */
  async start(): Promise<void> {
    this.stopped = false;
    for (const rollout of await this.store.unfinished()) {
      this.log.info({ rollout: rollout.id, phase: rollout.phase }, "resuming rollout");
      await this.replay(rollout);
    }
    await this.syncRoutes();
    await this.healer.heal();
    this.timer = setInterval(() => this.kick(), this.tickMs);
    this.timer.unref();
  }

  /**
   * A replica that follows (highly available control plane) steps nothing: it hears what the
   * leader commits by reading the audit log by sequence every `everyMs`, for its API's live feed
   * (and the notifier, which only the leader's claims let through). Until stop().
   */
  follow(everyMs: number): void {
    let polling = false;
    this.following = setInterval(() => {
      if (polling) return;
      polling = true;
      this.changes
        .emitCommitted(undefined, true)
        .catch((error: unknown) => this.log.warn({ err: error }, "cannot read the leader's changes"))
        .finally(() => (polling = false));
    }, everyMs);
    this.following.unref();
  }

  /** Stops stepping; the proxy keeps routing and the instances keep running. */
  async stop(): Promise<void> {
    // A tick after stop would heal what the caller is about to stop (and use a closed store).
    this.stopped = true;
    if (this.following) clearInterval(this.following);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    this.smoke.cancelAll();
    await this.measurer.settle();
    await Promise.allSettled([...this.stopping]);
  }

  /** Step now (after a request) rather than at the next interval. */
  kick(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick()
      .then(() => this.tickFailures.reset())
      .catch((error: unknown) => {
        const held = this.tickFailures.pass(String(error), this.clock());
        if (held !== undefined)
          this.log.error({ err: error, repeatsHeldBack: held }, "controller tick failed");
      })
      .finally(() => {
        this.ticking = undefined;
        if (this.again && this.timer) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves when the current tick (if any) is over: tests and the demo use it to observe. */
  async settle(): Promise<void> {
    await this.ticking;
  }

  /**
   * Start a rollout of `version` (or say why not). With `hold`, the rollout waits in
   * "awaiting-approval" until `approve()`; it then runs the environment's strategy.
   */
  async deploy(request: ControllerDeployRequest): Promise<DeployResult> {
    const prepared = await this.releases.prepare(request);
    const { service, environment, version } = request;
    const holder = await this.store.lockHolder(service, environment);
    const liveId = liveRevision((await this.store.traffic(service, environment))?.traffic ?? []);
    const live = liveId ? refOf(liveId) : undefined;
    const decision = admitDeploy({ version, ...(live ? { live } : {}), ...(holder ? { holder } : {}) });
    switch (decision.kind) {
      case "noop":
        await this.store.recordEvent({
          actor: request.actor,
          type: "deploy.noop",
          service,
          environment,
          message: decision.reason,
        });
        await this.changes.emitCommitted();
        return { result: "noop", message: decision.reason };
      case "refuse":
        throw new SlipwayError("SLIPWAY_CONFLICT", decision.reason);
      case "start":
        break;
      default: {
        const unreachable: never = decision;
        return unreachable;
      }
    }
    const candidateId = revisionId(service, environment, version);
    await this.refuseIfRetiring(service, environment, candidateId);
    const refused = await this.refuseByPolicy(request);
    const now = this.clock();
    const superseded = decision.supersede;
    const transition = superseded
      ? abandon(superseded, "superseded", `superseded by a deploy of ${version}`, now)
      : undefined;
    // After a supersede traffic is back on the superseded rollout's stable revision.
    const stable = superseded ? superseded.stable : live;
    const strategy = prepared.strategy ?? "blue-green";
    const hold = request.hold;
    const rollout = await this.store.createRollout(
      {
        rollout: {
          service,
          environment,
          kind: "deploy",
          strategy,
          candidate: { id: candidateId, version },
          ...(stable ? { stable } : {}),
          phase: hold ? "awaiting-approval" : "pending",
          phaseSince: now,
          createdAt: now,
          actor: request.actor,
          ...(request.reason ? { reason: request.reason } : {}),
          settings: prepared.settings,
          ...(strategy === "canary"
            ? { canary: { steps: prepared.steps ?? [], stepIndex: 0, weight: 0, stepSince: now } }
            : {}),
          ...(hold
            ? {
                approval: requestApproval({
                  environment,
                  requestedBy: request.actor,
                  now,
                  ttlMs: hold.expiryMs,
                  approvers: hold.approvers,
                }),
              }
            : {}),
        },
        spec: prepared.spec,
        routes: prepared.routes,
      },
      superseded && transition ? { rolloutId: superseded.id, transition } : undefined,
    );
    if (refused && request.policyOverride) {
      await this.store.recordEvent({
        actor: request.policyOverride.by,
        type: "rollout.policy-override",
        service,
        environment,
        rolloutId: rollout.id,
        message: `policy overridden by ${request.policyOverride.by}: ${refusalMessage(refused)}`,
        reason: request.policyOverride.reason,
      });
    }
    const override = request.audit?.freezeOverride;
    if (override) {
      await this.store.recordEvent({
        actor: override.by,
        type: "rollout.freeze-override",
        service,
        environment,
        rolloutId: rollout.id,
        message: `deploy inside a freeze window (until ${new Date(override.windowEndsAt).toISOString()}) allowed by ${override.by}`,
        reason: override.reason,
      });
    }
    if (hold) {
      await this.store.recordEvent({
        actor: request.actor,
        type: "rollout.approval-requested",
        service,
        environment,
        rolloutId: rollout.id,
        message: `${candidateId} waits for approval${hold.approvers.length ? ` by ${hold.approvers.join(" or ")}` : ""} (expires ${new Date(now + hold.expiryMs).toISOString()})`,
        reason: hold.reason,
      });
    }
    await this.changes.emitCommitted(rollout);
    if (superseded && transition) await this.perform({ ...superseded, ...transition.patch }, transition);
    this.kick();
    return {
      result: "started",
      message: `rollout ${rollout.id}: ${service}/${environment} ${stable ? `${stable.version} → ` : ""}${version}${strategy === "canary" ? " (canary)" : ""}${superseded ? ` (supersedes ${superseded.id})` : ""}${hold ? `; waiting for approval: ${hold.reason}` : ""}`,
      rollout,
    };
  }

  /**
   * The policy's verdict when it refuses the release (undefined when it admits it). Refused and
   * not overridden: the refusal is recorded in the audit trail, naming every failed rule and its
   * evidence, and the deploy throws SLIPWAY_CONFLICT with the same message.
   */
  private async refuseByPolicy(request: ControllerDeployRequest): Promise<PolicyVerdict | undefined> {
    if (!this.policy) return undefined;
    const verdict = await this.policy.verdict(request.service, request.version, request.environment);
    if (verdict.allowed) return undefined;
    if (request.policyOverride) return verdict;
    const message = refusalMessage(verdict);
    await this.store.recordEvent({
      actor: request.actor,
      type: "deploy.policy-refused",
      service: request.service,
      environment: request.environment,
      message,
      ...(request.reason ? { reason: request.reason } : {}),
    });
    await this.changes.emitCommitted();
    throw new SlipwayError("SLIPWAY_CONFLICT", message);
  }

  /**
   * Resume a paused canary, or skip its current step; `full` sends all traffic to the candidate now
   * (no more steps or analysis). A blue-green rollout in its analysis window is promoted now.
   * Throws SLIPWAY_NOT_FOUND, or SLIPWAY_CONFLICT saying why when there is nothing to promote.
   */
  async promote(id: string, opts: PromoteOptions): Promise<DeployResult> {
    return this.manual(id, opts.actor, (rollout, now) => promoteDecision(rollout, opts, now));
  }

  /** Roll an undecided rollout back to its stable revision now. SLIPWAY_CONFLICT once it is decided. */
  async abort(id: string, opts: AbortOptions): Promise<DeployResult> {
    return this.manual(id, opts.actor, (rollout, now) => abortDecision(rollout, opts, now));
  }

  /**
   * Vote on a rollout waiting for its approval. SLIPWAY_FORBIDDEN for the requester or someone not
   * among the approvers; SLIPWAY_CONFLICT when it is not waiting (or already voted, or expired).
   */
  async approve(id: string, opts: ApproveOptions): Promise<DeployResult> {
    const { next, vote } = await this.serially(async () => {
      const rollout = await this.mustGet(id);
      const vote = voteOn(rollout, opts.principal, opts.verdict, this.clock(), opts.comment);
      if (!vote.ok) throw new SlipwayError(vote.code, vote.message);
      return { next: await this.commit(id, vote.transition, opts.principal.id), vote };
    });
    await this.perform(next, vote.transition);
    this.kick();
    return { result: "started", message: vote.transition.event.message, rollout: next };
  }

  private async mustGet(id: string): Promise<Rollout> {
    const rollout = await this.store.getRollout(id);
    if (!rollout) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no rollout ${id}`);
    return rollout;
  }

  private async manual(
    id: string,
    actor: string,
    decide: (rollout: Rollout, now: number) => ManualDecision,
  ): Promise<DeployResult> {
    const { next, transition } = await this.serially(async () => {
      const rollout = await this.mustGet(id);
      const decision = decide(rollout, this.clock());
      if (!decision.ok) throw new SlipwayError("SLIPWAY_CONFLICT", decision.message);
      return { next: await this.commit(id, decision.transition, actor), transition: decision.transition };
    });
    await this.perform(next, transition);
    this.kick();
    return { result: "started", message: transition.event.message, rollout: next };
  }

  async rollback(request: RollbackRequest): Promise<DeployResult> {
    const { service, environment } = request;
    const holder = await this.store.lockHolder(service, environment);
    const recent = await this.store.list({ service, environment, limit: 20 });
    const warm = recent.find((r) => r.phase === "warm");
    const liveId = liveRevision((await this.store.traffic(service, environment))?.traffic ?? []);
    const live = liveId ? refOf(liveId) : undefined;
    const lastPromoted = (await this.store.promoted(service, environment, 1))[0];
    const previous =
      lastPromoted && lastPromoted.candidate.id === liveId ? lastPromoted.stable?.version : undefined;
    const decision = planRollback({
      ...(request.to ? { to: request.to } : {}),
      ...(live ? { live } : {}),
      ...(holder ? { holder } : {}),
      ...(warm ? { warm } : {}),
      ...(previous ? { previous } : {}),
    });
    const reason = request.automatic
      ? request.reason
      : `manual rollback by ${request.actor}: ${request.reason}`;
    const now = this.clock();
    switch (decision.kind) {
      case "refuse":
        throw new SlipwayError("SLIPWAY_CONFLICT", decision.reason);
      case "noop":
        return { result: "noop", message: decision.reason };
      case "abort":
      case "instant": {
        const transition = abandon(decision.rollout, "rolled-back", reason, now);
        const rollout = await this.commit(decision.rollout.id, transition, request.actor);
        await this.perform(rollout, transition);
        this.kick();
        return { result: "started", message: transition.event.message, rollout };
      }
      case "redeploy":
        return this.redeploy(request, decision.version, live, reason, now);
      default: {
        const unreachable: never = decision;
        return unreachable;
      }
    }
  }

  /** Rollback when the previous revision is gone: run its recorded release again, skipping analysis. */
  private async redeploy(
    request: RollbackRequest,
    version: string,
    live: RevisionRef | undefined,
    reason: string,
    now: number,
  ): Promise<DeployResult> {
    const { service, environment } = request;
    const candidateId = revisionId(service, environment, version);
    await this.refuseIfRetiring(service, environment, candidateId);
    const spec = await this.store.revisionSpec(candidateId);
    const env = await this.store.traffic(service, environment);
    const last = (await this.store.list({ service, environment, limit: 1 }))[0];
    const prepared =
      spec && env && last
        ? { spec, routes: env.routes, settings: last.settings }
        : await this.releases.prepare({ service, environment, version });
    const rollout = await this.store.createRollout({
      rollout: {
        service,
        environment,
        kind: "rollback",
        strategy: "blue-green",
        candidate: { id: candidateId, version },
        ...(live ? { stable: live } : {}),
        phase: "pending",
        phaseSince: now,
        createdAt: now,
        actor: request.actor,
        reason,
        // A rollback redeploy is blue-green without analysis: back to a known release, fast.
        settings: { ...prepared.settings, analysisWindowMs: 0, smokeCommand: undefined },
      },
      spec: prepared.spec,
      routes: prepared.routes,
    });
    await this.changes.emitCommitted(rollout);
    this.kick();
    return {
      result: "started",
      message: `rollout ${rollout.id}: redeploying ${version} (${reason})`,
      rollout,
    };
  }

  /** A revision being drained or stopped by an earlier rollout cannot be a candidate yet. */
  private async refuseIfRetiring(service: string, environment: string, candidateId: string): Promise<void> {
    const retiring = (await this.store.unfinished()).find(
      (r) =>
        r.service === service &&
        r.environment === environment &&
        !isDeciding(r.phase) &&
        r.retire?.id === candidateId,
    );
    if (!retiring) return;
    const hint = retiring.phase === "warm" ? "; use `slipway rollback` to switch back to it now" : "";
    throw new SlipwayError(
      "SLIPWAY_CONFLICT",
      `${candidateId} is being retired by rollout ${retiring.id} (${retiring.phase})${hint}`,
    );
  }

  rolloutById(id: string): Promise<Rollout | undefined> {
    return this.store.getRollout(id);
  }

  list(filter?: { service?: string; environment?: string; limit?: number }): Promise<Rollout[]> {
    return this.store.list(filter);
  }

  history(filter?: {
    service?: string;
    environment?: string;
    rolloutId?: string;
    limit?: number;
  }): Promise<StoredEvent[]> {
    return this.store.events(filter);
  }

  /** Per environment: what serves now, each revision's instances, and the rollout in progress. */
  async status() {
    return statusView(this.store, this.runtime, this.healer.health(), this.clock(), (environment) =>
      this.router.hostsOf ? this.router.hostsOf(environment) : [],
    );
  }

  /** The instances of a rollout's candidate and stable revisions now (src/rollouts/status-view.ts). */
  instancesOf(rollout: Rollout) {
    return rolloutInstances(this.runtime, rollout);
  }

  /** Where a rollout is now: step, what it waits for, time left (src/core/rollout/progress.ts). */
  async progress(rollout: Rollout) {
    return progressOf(this.store, this.runtime, rollout, this.clock());
  }

  private async tick(): Promise<void> {
    await this.healer.heal();
    const now = this.clock();
    try {
      this.observer.record(await this.router.stats(), now);
      this.statsFailing = false;
    } catch (error) {
      if (!this.statsFailing) this.log.warn({ err: error }, "cannot read proxy stats");
      this.statsFailing = true;
    }
    for (const rollout of await this.store.unfinished()) {
      try {
        await this.step(rollout);
      } catch (error) {
        this.log.error({ err: error, rollout: rollout.id }, "rollout step failed");
      }
    }
    await this.syncRoutes();
    // After promotion: roll a failing release back, report a live revision that is down or back.
    if (await this.watch.check()) await this.changes.emitCommitted();
    const unfinished = await this.store.unfinished();
    await this.series?.record(unfinished, this.clock());
    // Measurements run beside the loop (bounded by each metric's timeout), never inside it.
    this.measurer.measure(unfinished, this.clock());
  }

  /** Take every transition that is due now (ready → switch happens in one tick). */
  private async step(initial: Rollout): Promise<void> {
    let rollout = initial;
    for (let i = 0; i < 8; i++) {
      const committed = await this.serially(async () => {
        // Re-read: a measurement may have landed while the previous side effect ran.
        const current = (await this.store.getRollout(rollout.id)) ?? rollout;
        const spec = await this.store.revisionSpec(current.candidate.id);
        const obs = {
          ...this.observer.observe(current, this.smoke.status(current.id), {
            replicas: spec?.replicas ?? 1,
            failureThreshold: spec?.readiness?.failureThreshold ?? 3,
          }),
          // With data planes on several hosts, also until the environment's quorum holds its routes.
          trafficUnacknowledged:
            !this.routesInSync || this.router.shortfall?.(current.environment) !== undefined,
        };
        const action = nextAction(current, obs, this.clock());
        if (!isTransition(action)) return undefined;
        // Never stop a revision the proxy may still route to: wait until it took the new table.
        if (action.kind === "stop" && !(await this.proxyReleased(current))) return undefined;
        return { action, next: await this.commit(current.id, action, CONTROLLER) };
      });
      if (!committed) return;
      rollout = committed.next;
      this.log.info({ rollout: rollout.id, phase: rollout.phase }, committed.action.event.message);
      await this.perform(rollout, committed.action);
    }
  }

  /** The side effect of a committed transition. Each is idempotent: a replay after a crash is harmless. */
  private async perform(rollout: Rollout, transition: Transition): Promise<void> {
    switch (transition.kind) {
      case "start-candidate":
        await this.ensureCandidate(rollout);
        await this.syncRoutes();
        return;
      case "run-smoke":
        await this.startSmoke(rollout);
        return;
      case "switch-traffic":
      case "drain":
      case "promote":
        await this.syncRoutes();
        return;
      case "set-weight":
        // Snapshot the proxy's counters as traffic starts, so both revisions are measured from here.
        await this.measurer.snapshot();
        await this.syncRoutes();
        return;
      case "advance":
      case "pause":
      case "resume":
      case "analysis":
      case "approval":
        if (transition.traffic) await this.syncRoutes();
        return;
      case "rollback":
        this.smoke.cancel(rollout.id);
        await this.syncRoutes();
        return;
      case "stop":
        if (rollout.retire) await this.stopRevision(rollout.retire.id);
        return;
      case "scale-down":
        return;
      case "done":
        this.smoke.cancel(rollout.id);
        if (rollout.retire) this.observer.forget(rollout.retire.id);
        return;
      default: {
        const unreachable: never = transition.kind;
        return unreachable;
      }
    }
  }

  private async replay(rollout: Rollout): Promise<void> {
    switch (rollout.phase) {
      case "starting":
      case "smoke":
      case "stepping":
      case "paused":
      case "analysing":
        await this.ensureCandidate(rollout);
        return;
      case "stopping":
        if (rollout.retire) await this.stopRevision(rollout.retire.id);
        return;
      case "awaiting-approval":
      case "pending":
      case "warm":
      case "draining":
      case "promoted":
      case "rolled-back":
      case "superseded":
      case "failed":
        return;
      default: {
        const unreachable: never = rollout.phase;
        return unreachable;
      }
    }
  }

  private async ensureCandidate(rollout: Rollout): Promise<void> {
    const spec = await this.store.revisionSpec(rollout.candidate.id);
    if (!spec) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no recorded spec for ${rollout.candidate.id}`);
    await this.runtime.ensure(spec);
  }

  private async startSmoke(rollout: Rollout): Promise<void> {
    const command = rollout.settings.smokeCommand;
    const spec = await this.store.revisionSpec(rollout.candidate.id);
    const ready = this.runtime.instances(rollout.candidate.id).find((i) => i.state === "ready");
    if (!command || !spec) return;
    this.smoke.start(rollout.id, command, spec.artifact.path, {
      [SMOKE_URL_ENV]: ready ? `http://${ready.host}:${ready.port}` : "",
      SLIPWAY_REVISION: rollout.candidate.id,
    });
  }

  private async stopRevision(revisionId: string): Promise<void> {
    const grace = (await this.store.revisionSpec(revisionId))?.stopGraceMs;
    const done = this.runtime
      .stop(revisionId, grace === undefined ? {} : { graceMs: grace })
      .catch((error: unknown) => this.log.error({ err: error, revision: revisionId }, "stop failed"))
      .finally(() => {
        this.stopping.delete(done);
        this.kick();
      });
    this.stopping.add(done);
  }

  /**
   * True once the proxy no longer routes to the retiring revision. The sync queues behind any sync
   * already running (e.g. a rollback API call's), so afterwards the proxy holds a table built from
   * the store as it is now; fresh stats then say whether the revision left that table with nothing
   * in flight ("drained"). The stats read at the start of the tick may predate the switch.
   */
  private async proxyReleased(rollout: Rollout): Promise<boolean> {
    await this.syncRoutes();
    if (!this.routesInSync) return false;
    const id = rollout.retire?.id;
    const stats = (await this.router.stats()).find((s) => s.revision === id);
    if (!stats || stats.state === "drained") return true;
    if (stats.state === "active") return false;
    return this.clock() - rollout.phaseSince >= rollout.settings.drainTimeoutMs;
  }

  /** True when the proxy acknowledged the desired table; false (and logged once) when it did not. */
  private async syncRoutes(): Promise<boolean> {
    try {
      await this.router.sync();
      if (this.routesInSync !== true)
        this.log.info({ generation: this.router.acknowledged() }, "proxy holds the desired routes");
      this.routesInSync = true;
    } catch (error) {
      if (this.routesInSync !== false)
        this.log.warn({ err: error }, "cannot update the proxy's routes; will retry");
      this.routesInSync = false;
    }
    return this.routesInSync;
  }

  /**
   * What serves production now, as the last reconcile pass saw it: "down" (with the reasons) while
   * the proxy is down or a revision taking traffic has no ready instance.
   */
  health(): ServingReport {
    return this.healer.health();
  }
}
