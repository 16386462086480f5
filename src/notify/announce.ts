import type { NotificationEvent, NotificationType } from "../core/notify/events.js";

/**
 * Turns the rollout controller's change stream into the notifications people want: a rollout
 * started, promoted, rolled back, or waiting for approval. The controller emits a change per
 * committed transition; this keeps what it needs to announce each fact once per rollout.
 * Typed to the subset of ControllerChange (TEAM contract) it reads, so rollout fields can grow.
 */
export interface RolloutLike {
  id: string;
  service: string;
  environment: string;
  kind?: string;
  strategy?: string;
  candidate: { version: string };
  stable?: { version: string };
  phase: string;
  outcome?: string;
  reason?: string;
  actor: string;
  createdAt?: number;
  approval?: { requestedBy?: string; expiresAt?: number };
}

export type ChangeLike =
  | {
      kind: "event";
      event: {
        type: string;
        actor: string;
        rolloutId?: string;
        service?: string;
        environment?: string;
        message?: string;
        reason?: string;
      };
    }
  | { kind: "rollout"; rollout: RolloutLike };

const FINAL = new Set(["promoted", "rolled-back", "superseded", "failed"]);
/** Phases in which a deploy is under way (a first sighting there, if recent, is its start). */
const UNDER_WAY = new Set(["pending", "starting", "smoke", "stepping", "paused", "analysing"]);
/** Automated actors: anything the controller does on its own. */
const SYSTEM_ACTORS = new Set(["controller", "system", "analysis"]);
/** A rollout first seen under way this long after its creation is not announced as started (restart). */
const FRESH_MS = 60_000;
const MAX_TRACKED = 1000;

/**
 * Stateful: remembers which facts were announced per rollout (bounded) and who last acted on it
 * by hand (so a rollback says "by alice" rather than "automatically").
 */
export class RolloutAnnouncer {
  private readonly announced = new Map<string, Set<NotificationType>>();
  private readonly manualActor = new Map<string, string>();

  constructor(
    private readonly options: { now?: () => number; link?: (rolloutId: string) => string | undefined } = {},
  ) {}

  /** The notifications a change calls for (usually none). */
  onChange(change: ChangeLike): NotificationEvent[] {
    if (change.kind === "event") {
      const { event } = change;
      const health = this.serviceHealth(event);
      if (health) return [health];
      if (
        event.rolloutId &&
        !SYSTEM_ACTORS.has(event.actor) &&
        /promot|abort|rollback|reject/.test(event.type)
      ) {
        this.remember(this.manualActor, event.rolloutId, event.actor);
      }
      return [];
    }
    return this.forRollout(change.rollout);
  }

  /**
   * service.down / service.recovered audit events (the post-promotion watch's) become notifications
   * of the same name. Their message starts with the live revision's id, "web/production@v2 is down".
   */
  private serviceHealth(
    event: Extract<ChangeLike, { kind: "event" }>["event"],
  ): NotificationEvent | undefined {
    if (event.type !== "service.down" && event.type !== "service.recovered") return undefined;
    if (!event.service || !event.environment) return undefined;
    const revision = event.message?.split(" ")[0] ?? "";
    const url = event.rolloutId ? this.options.link?.(event.rolloutId) : undefined;
    return {
      type: event.type,
      service: event.service,
      environment: event.environment,
      version: revision.slice(revision.lastIndexOf("@") + 1),
      reason: event.reason ?? event.message ?? "",
      ...(event.rolloutId ? { rolloutId: event.rolloutId } : {}),
      at: new Date((this.options.now ?? Date.now)()).toISOString(),
      ...(url ? { url } : {}),
    };
  }

  private forRollout(r: RolloutLike): NotificationEvent[] {
    const now = (this.options.now ?? Date.now)();
    const at = new Date(now).toISOString();
    const url = this.options.link?.(r.id);
    const base = {
      rolloutId: r.id,
      service: r.service,
      environment: r.environment,
      version: r.candidate.version,
      at,
      ...(url ? { url } : {}),
    };
    const out: NotificationEvent[] = [];
    const once = (type: NotificationType, make: () => NotificationEvent): void => {
      let done = this.announced.get(r.id);
      if (!done) {
        done = new Set();
        this.remember(this.announced, r.id, done);
      }
      if (done.has(type)) return;
      done.add(type);
      out.push(make());
    };
    const outcome = r.outcome ?? (FINAL.has(r.phase) ? r.phase : undefined);
    const byHand = this.manualActor.get(r.id);

    if (r.kind === "rollback") {
      // A redeploy of the previous version: `slipway rollback`, or the post-promotion watch.
      const automatic = SYSTEM_ACTORS.has(r.actor);
      once("rollout.rolled_back", () => ({
        ...base,
        type: "rollout.rolled_back",
        version: r.stable?.version ?? r.candidate.version,
        toVersion: r.candidate.version,
        reason: r.reason ?? "rollback requested",
        automatic,
        ...(automatic ? {} : { actor: r.actor }),
      }));
      return out;
    }
    if (r.phase === "awaiting-approval") {
      once("rollout.awaiting_approval", () => ({
        ...base,
        type: "rollout.awaiting_approval",
        requestedBy: r.approval?.requestedBy ?? r.actor,
        expiresAt: new Date(r.approval?.expiresAt ?? now).toISOString(),
      }));
    }
    const fresh = r.phase === "pending" || (r.createdAt !== undefined && now - r.createdAt < FRESH_MS);
    if (UNDER_WAY.has(r.phase) && fresh && outcome === undefined) {
      once("rollout.started", () => ({
        ...base,
        type: "rollout.started",
        strategy: r.strategy === "canary" ? "canary" : "blue-green",
        ...(r.stable ? { fromVersion: r.stable.version } : {}),
        actor: r.actor,
      }));
    }
    if (outcome === "promoted") {
      once("rollout.promoted", () => ({
        ...base,
        type: "rollout.promoted",
        ...(byHand ? { actor: byHand } : {}),
      }));
    } else if (outcome === "rolled-back" || outcome === "failed") {
      once("rollout.rolled_back", () => ({
        ...base,
        type: "rollout.rolled_back",
        ...(r.stable ? { toVersion: r.stable.version } : {}),
        reason: r.reason ?? (outcome === "failed" ? "the rollout failed" : "rolled back"),
        automatic: byHand === undefined,
        ...(byHand ? { actor: byHand } : {}),
      }));
    }
    return out;
  }

  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > MAX_TRACKED) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
  }
}

/** A finished run as the runs API shows it (the subset read here). */
export interface FinishedRunLike {
  runId: string;
  workflow: string;
  ref: string;
  sha: string;
  conclusion: string | null;
  actor: string | null;
  jobs: { key: string; conclusion: string | null }[];
}

/** `run.failed` for a failed run; undefined for any other conclusion (cancelled is not a failure). */
export function runFailedEvent(
  run: FinishedRunLike,
  at: string,
  url?: string,
): NotificationEvent | undefined {
  if (run.conclusion !== "failure") return undefined;
  return {
    type: "run.failed",
    runId: run.runId,
    workflow: run.workflow,
    ref: run.ref,
    ...(run.sha ? { sha: run.sha } : {}),
    failedJobs: run.jobs.filter((job) => job.conclusion === "failure").map((job) => job.key),
    ...(run.actor ? { actor: run.actor } : {}),
    at,
    ...(url ? { url } : {}),
  };
}

/**
 * Subscribes `notify` to the controller's changes. Notifying never blocks or fails the controller:
 * each notification is sent in the background and the Notifier dead-letters what does not arrive.
 */
export function announceRollouts(
  controller: { subscribe(listener: (change: ChangeLike) => void): () => void },
  notify: (event: NotificationEvent) => Promise<unknown>,
  announcer = new RolloutAnnouncer(),
): () => void {
  return controller.subscribe((change) => {
    for (const event of announcer.onChange(change)) void notify(event).catch(() => undefined);
  });
}
