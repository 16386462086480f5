import { SlipwayError } from "../core/errors.js";
import {
  DATA_PLANE,
  reconcile,
  type DataPlaneObservation,
  type DesiredRevision,
  type InstanceCounts,
  type Repair,
  type ServingHealth,
} from "../core/heal/reconcile.js";
import type { Logger } from "../log.js";
import type { Runtime } from "../runtimes/port.js";
import type { RolloutStore } from "../store/ports/rollout-store.js";
import type { DataPlaneKeeper, TrafficRouter } from "../traffic/port.js";

/** What serves production right now, as the last reconcile pass saw it (`GET /api/health`). */
export interface ServingReport extends ServingHealth {
  /** Epoch ms of that pass; undefined before the first. */
  checkedAt: number | undefined;
  dataPlane: DataPlaneObservation | { state: "unknown" };
}

export interface HealerOptions {
  store: RolloutStore;
  runtime: Runtime;
  router: TrafficRouter;
  /** Keeps the proxy process alive; without it the proxy is judged by its route syncs. */
  dataPlane: DataPlaneKeeper | undefined;
  clock: () => number;
  logger: Logger;
  /** The controller's route sync, whose last outcome says whether the proxy holds the desired table. */
  routes: { inSync(): boolean | undefined; sync(): Promise<boolean> };
}

/**
 * The reconcile pass: observes what serves (revisions with traffic, their instances, the proxy),
 * plans with core/heal/reconcile.ts, and performs the repairs; keeps the last ServingReport.
 */
export class Healer {
  private readonly store: RolloutStore;
  private readonly runtime: Runtime;
  private readonly router: TrafficRouter;
  private readonly dataPlane: DataPlaneKeeper | undefined;
  private readonly clock: () => number;
  private readonly log: Logger;
  private readonly routes: HealerOptions["routes"];
  private serving: ServingReport = {
    status: "down",
    problems: [
      { level: "down", subject: DATA_PLANE, message: "not checked yet (the controller is starting)" },
    ],
    checkedAt: undefined,
    dataPlane: { state: "unknown" },
  };

  constructor(options: HealerOptions) {
    this.store = options.store;
    this.runtime = options.runtime;
    this.router = options.router;
    this.dataPlane = options.dataPlane;
    this.clock = options.clock;
    this.log = options.logger;
    this.routes = options.routes;
  }

  /**
   * What serves production now, as the last reconcile pass saw it: "down" (with the reasons) while
   * the proxy is down or a revision taking traffic has no ready instance.
   */
  health(): ServingReport {
    return this.serving;
  }

  /**
   * One reconcile pass: compare what should serve (every revision with traffic, its instance count,
   * the table the proxy acknowledged) with what does, and repair the difference — restart a proxy
   * whose process is gone, resend the table to one that holds another, start instances that vanished
   * while nothing supervised them. Runs at the start of every tick, before rollouts are stepped.
   */
  async heal(): Promise<void> {
    const revisions: DesiredRevision[] = [];
    const instances = new Map<string, InstanceCounts>();
    for (const env of await this.store.allTraffic()) {
      for (const t of env.traffic) {
        const replicas = (await this.store.revisionSpec(t.revision))?.replicas ?? 1;
        revisions.push({ id: t.revision, weight: t.weight, replicas });
        const list = this.runtime.instances(t.revision);
        instances.set(t.revision, {
          total: list.length,
          ready: list.filter((i) => i.state === "ready").length,
          gaveUp: list.filter((i) => i.state === "crashed").length,
        });
      }
    }
    const acknowledgedGeneration = this.router.acknowledged();
    const dataPlane: DataPlaneObservation = this.dataPlane
      ? await this.dataPlane.observe()
      : this.routes.inSync()
        ? { state: "up", generation: acknowledgedGeneration ?? 0 }
        : { state: "down", reason: "the proxy did not acknowledge the last route table", processAlive: true };
    const plan = reconcile(
      { revisions, acknowledgedGeneration },
      { dataPlane, instances, tableInSync: this.routes.inSync() === true },
    );
    if (plan.health.status !== this.serving.status) {
      const detail = { status: plan.health.status, problems: plan.health.problems.map((p) => p.message) };
      if (plan.health.status === "ok") this.log.info(detail, "production serves as desired");
      else this.log.warn(detail, `production is ${plan.health.status}`);
    }
    this.serving = { ...plan.health, checkedAt: this.clock(), dataPlane };
    for (const repair of plan.repairs) {
      try {
        await this.repair(repair);
      } catch (error) {
        this.log.error({ err: error, repair: repair.kind }, "repair failed; will try again");
      }
    }
  }

  private async repair(repair: Repair): Promise<void> {
    switch (repair.kind) {
      case "restart-data-plane":
        if (!(await this.dataPlane?.restart())) return;
        this.log.warn({ reason: repair.reason }, "proxy restarted; sending it the desired routes");
        this.router.forget();
        await this.routes.sync();
        return;
      case "resend-table":
        this.log.warn({ reason: repair.reason }, "proxy holds another route table; sending the desired one");
        this.router.forget();
        await this.routes.sync();
        return;
      case "start-instances": {
        const spec = await this.store.revisionSpec(repair.revision);
        if (!spec) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no recorded spec for ${repair.revision}`);
        this.log.warn({ revision: repair.revision, reason: repair.reason }, "starting missing instances");
        await this.runtime.ensure(spec);
        return;
      }
      default: {
        const unreachable: never = repair;
        return unreachable;
      }
    }
  }
}
