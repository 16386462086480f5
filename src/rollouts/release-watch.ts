import { WATCH_OFF } from "../core/rollout/defaults.js";
import { liveRevision } from "../core/rollout/traffic.js";
import { watchVerdict, type WatchedRelease } from "../core/rollout/watch.js";
import type { Logger } from "../log.js";
import type { Observer } from "./observer.js";
import type { RolloutStore } from "../store/ports/rollout-store.js";

/** Audit event types of a live revision's availability (notified as service.down / service.recovered). */
const SERVICE_DOWN = "service.down";
const SERVICE_RECOVERED = "service.recovered";

const ACTOR = "controller";
/** How far back the Store is read for the last down/recovered event of an environment. */
const DOWN_LOOKBACK = 500;

export interface ReleaseWatchOptions {
  store: Pick<RolloutStore, "allTraffic" | "list" | "lockHolder" | "events" | "recordEvent" | "revisionSpec">;
  observer: Pick<Observer, "health" | "samplesOf">;
  clock: () => number;
  logger: Logger;
  /** The controller's rollback path (instant switch back, or a redeploy of the previous release). */
  rollback(request: { service: string; environment: string; to: string; reason: string }): Promise<unknown>;
}

/**
 * Applies `watchVerdict` to every environment on each controller tick: rolls a release that fails
 * soon after promotion back through the controller, and records service.down / service.recovered
 * audit events (which the notifier announces). Everything it decides on comes from the Store
 * (promotion time, the last down/recovered event) except "no ready instance since", kept in memory:
 * after a restart that clock starts again, which can only delay a down report, never invent one.
 */
export class ReleaseWatch {
  private readonly unreadySince = new Map<string, number>();
  /** Per live revision, when this process first saw it serve and its restarts then (see LiveObservations). */
  private readonly servingSeen = new Map<string, { at: number; restarts: number }>();
  /** Per revision started again, since when some (not all) of its instances are ready. */
  private readonly partlyReadySince = new Map<string, number>();
  /** Promotion time per rollout id, read once from its rollout.promoted event. */
  private readonly promotedAt = new Map<string, number | undefined>();
  /** Per environment: is a service.down open? Read from the Store on first look, then kept. */
  private readonly downOpen = new Map<string, boolean>();
  /** Rollouts whose automatic rollback the controller refused, with why: one attempt per promotion. */
  private readonly refused = new Map<string, string>();

  /** When this process began watching: a promotion before it was made by an earlier control plane. */
  private readonly startedAt: number;

  constructor(private readonly o: ReleaseWatchOptions) {
    this.startedAt = o.clock();
  }

  /** One pass over every environment. Returns true when it recorded an event or rolled back. */
  async check(): Promise<boolean> {
    let acted = false;
    const live = new Set<string>();
    for (const env of await this.o.store.allTraffic()) {
      const liveId = liveRevision(env.traffic);
      if (!liveId) continue;
      live.add(liveId);
      try {
        acted = (await this.checkOne(env.service, env.environment, liveId)) || acted;
      } catch (error) {
        this.o.logger.error(
          { err: error, service: env.service, environment: env.environment },
          "watch failed",
        );
      }
    }
    // Forget revisions that are no longer live, so the maps stay as small as the environments.
    for (const map of [this.unreadySince, this.servingSeen, this.partlyReadySince]) {
      for (const id of map.keys()) if (!live.has(id)) map.delete(id);
    }
    return acted;
  }

  private async checkOne(service: string, environment: string, liveId: string): Promise<boolean> {
    const { store, clock } = this.o;
    const now = clock();
    const key = `${service}/${environment}`;
    const newest = (await store.list({ service, environment, limit: 1 }))[0];
    const spec = await store.revisionSpec(liveId);
    const health = this.o.observer.health(
      liveId,
      spec?.replicas ?? 1,
      spec?.readiness?.failureThreshold ?? 3,
    );
    if (health.ready > 0) this.unreadySince.delete(liveId);
    else if (!this.unreadySince.has(liveId)) this.unreadySince.set(liveId, now);
    const since = this.unreadySince.get(liveId);
    const promotion = newest?.outcome === "promoted" ? await this.promotion(newest.id) : {};
    // A promotion made before this process started: the release was started again since.
    const restarted = promotion.promotedAt !== undefined && promotion.promotedAt < this.startedAt;
    // Restarts count from the first moment this process saw the revision serve: instances found dead
    // at start (a reboot, a crash of everything) and started again by the reconciler are not the
    // release crashing. Until then only "no ready instance for downAfter" can trip. A release
    // started again serves once every instance is ready (or one has been for downAfter): until
    // then the others fail their probes because they are starting, not because it fails.
    if (!this.servingSeen.has(liveId) && health.ready > 0) {
      const partly = this.partlyReadySince.get(liveId) ?? now;
      this.partlyReadySince.set(liveId, partly);
      const downAfterMs = (newest?.settings.watch ?? WATCH_OFF).downAfterMs;
      if (!restarted || health.ready >= health.desired || now - partly >= downAfterMs)
        this.servingSeen.set(liveId, { at: now, restarts: health.restarts });
    }
    const seen = this.servingSeen.get(liveId);
    const release: WatchedRelease = {
      live: { id: liveId, version: liveId.slice(liveId.lastIndexOf("@") + 1) },
      ...(newest ? { newest } : {}),
      ...promotion,
      busy: (await store.lockHolder(service, environment)) !== undefined,
      downReported: await this.isDown(key, service, environment),
      ...(newest && this.refused.has(newest.id) ? { rollbackRefused: this.refused.get(newest.id) } : {}),
    };
    const verdict = watchVerdict(
      release,
      {
        health,
        samples: this.o.observer.samplesOf(liveId),
        restartsBaseline: seen?.restarts ?? health.restarts,
        starting: restarted && !seen,
        ...(restarted && seen ? { servingSince: seen.at } : {}),
        ...(since !== undefined ? { unreadySince: since } : {}),
      },
      now,
    );
    switch (verdict.kind) {
      case "quiet":
        return false;
      case "rollback":
        this.o.logger.warn({ service, environment, to: verdict.to.id }, verdict.reason);
        try {
          await this.o.rollback({ service, environment, to: verdict.to.version, reason: verdict.reason });
        } catch (error) {
          // E.g. a deploy took the lock meanwhile: not retried; down is still reported if it stays down.
          if (newest) this.refused.set(newest.id, error instanceof Error ? error.message : String(error));
          this.o.logger.error({ err: error, service, environment }, "automatic rollback refused");
        }
        return true;
      case "down":
      case "recovered": {
        const type = verdict.kind === "down" ? SERVICE_DOWN : SERVICE_RECOVERED;
        await store.recordEvent({
          actor: ACTOR,
          type,
          service,
          environment,
          ...(newest ? { rolloutId: newest.id } : {}),
          message: `${liveId} ${verdict.kind === "down" ? "is down" : "serves again"}`,
          reason: verdict.reason,
        });
        this.downOpen.set(key, verdict.kind === "down");
        this.o.logger.warn({ service, environment }, `${type}: ${verdict.reason}`);
        return true;
      }
      default: {
        const unreachable: never = verdict;
        return unreachable;
      }
    }
  }

  private async promotion(rolloutId: string): Promise<{ promotedAt?: number }> {
    if (!this.promotedAt.has(rolloutId)) {
      const events = await this.o.store.events({ rolloutId, limit: 200 });
      const event = events.find((e) => e.type === "rollout.promoted");
      this.promotedAt.set(rolloutId, event ? Date.parse(event.at) : undefined);
    }
    const at = this.promotedAt.get(rolloutId);
    // Not found yet (promotion still to come): ask again next time.
    if (at === undefined) this.promotedAt.delete(rolloutId);
    return at === undefined ? {} : { promotedAt: at };
  }

  private async isDown(key: string, service: string, environment: string): Promise<boolean> {
    let open = this.downOpen.get(key);
    if (open === undefined) {
      const last = (await this.o.store.events({ service, environment, limit: DOWN_LOOKBACK })).findLast(
        (e) => e.type === SERVICE_DOWN || e.type === SERVICE_RECOVERED,
      );
      open = last?.type === SERVICE_DOWN;
      this.downOpen.set(key, open);
    }
    return open;
  }
}
