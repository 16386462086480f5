import type { Rollout } from "../core/rollout/types.js";
import type {
  CanaryRouting,
  DataPlaneHostStatus,
  RevisionStats,
  Route,
  RouteTable,
  Upstream,
} from "../core/traffic/index.js";
import type { Runtime } from "../runtimes/port.js";
import type { RolloutStore } from "../store/ports/rollout-store.js";
import type { DataPlaneAdmin, TrafficRouter } from "./port.js";

/**
 * Builds the proxy's complete RouteTable from every environment's desired traffic (Store) and the
 * runtime's ready instances, and PUTs it when it changed. A revision that takes traffic but shows
 * no ready instance (just re-adopted by a restarted control plane, probes not yet run) keeps the
 * upstreams the proxy already has: the control plane never empties a live route on a guess.
 */
export class ProxyTrafficRouter implements TrafficRouter {
  private applied: { fingerprint: string; table: RouteTable } | undefined;
  /**
   * A table built but not acknowledged: resent as is (same generation) while the desired routes stay
   * the same, so a failing data plane does not burn a generation per tick and every host that took
   * it already holds it.
   */
  private pending: { fingerprint: string; table: RouteTable } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * @param previewKeyOf the preview key of an environment's routes, or undefined where preview is
   *   off (then the proxy ignores `x-slipway-revision`); absent = preview off everywhere.
   */
  constructor(
    private readonly proxy: DataPlaneAdmin,
    private readonly store: RolloutStore,
    private readonly runtime: Runtime,
    private readonly previewKeyOf: (environment: string) => string | undefined = () => undefined,
  ) {}

  sync(): Promise<void> {
    // Serialised: two overlapping syncs could otherwise send generations out of order.
    const run = this.queue.then(() => this.syncNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  stats(): Promise<RevisionStats[]> {
    return this.proxy.stats();
  }

  acknowledged(): number | undefined {
    return this.applied?.table.generation;
  }

  forget(): void {
    this.applied = undefined;
    this.pending = undefined;
  }

  shortfall(environment: string): string | undefined {
    return this.proxy.shortfall?.(environment);
  }

  hostsOf(environment: string): DataPlaneHostStatus[] {
    return this.proxy.hostsOf?.(environment) ?? [];
  }

  private async syncNow(): Promise<void> {
    if (!this.applied) {
      const table = await this.proxy.routes();
      this.applied = { fingerprint: fingerprint(table.routes), table };
    }
    const routes = await this.desiredRoutes(this.applied.table);
    const print = fingerprint(routes);
    if (print === this.applied.fingerprint) return;
    const table: RouteTable =
      this.pending?.fingerprint === print
        ? this.pending.table
        : { generation: await this.store.nextGeneration(this.applied.table.generation + 1), routes };
    this.pending = { fingerprint: print, table };
    await this.proxy.applyRoutes(table);
    this.applied = { fingerprint: print, table };
    this.pending = undefined;
  }

  private async canaryRouting(service: string, environment: string): Promise<CanaryRouting | undefined> {
    return canaryRoutingOf(await this.store.lockHolder(service, environment));
  }

  private async desiredRoutes(current: RouteTable): Promise<Route[]> {
    const known = new Map<string, Upstream[]>();
    for (const route of current.routes) for (const r of route.revisions) known.set(r.id, r.instances);
    const routes: Route[] = [];
    for (const env of await this.store.allTraffic()) {
      const revisions = env.traffic.map((t) => {
        const ready = this.runtime
          .instances(t.revision)
          .filter((i) => i.state === "ready")
          .map((i): Upstream => ({ id: i.id, host: i.host, port: i.port }));
        const instances = ready.length === 0 && t.weight > 0 ? (known.get(t.revision) ?? []) : ready;
        return { id: t.revision, weight: t.weight, instances };
      });
      const canary = await this.canaryRouting(env.service, env.environment);
      const previewKey = this.previewKeyOf(env.environment);
      for (const r of env.routes) {
        routes.push({
          id: r.id,
          hosts: r.hosts,
          pathPrefix: r.pathPrefix,
          policy: r.policy,
          revisions,
          ...(canary ? { canary } : {}),
          ...(previewKey !== undefined ? { preview: { key: previewKey } } : {}),
        });
      }
    }
    return routes;
  }
}

/**
 * The proxy's canary routing while a canary rollout of the environment steps or is paused (header
 * and cookie overrides for testers, sticky assignment); absent otherwise, so stickiness ends with
 * the canary.
 */
export function canaryRoutingOf(rollout: Rollout | undefined): CanaryRouting | undefined {
  if (!rollout || rollout.strategy !== "canary") return undefined;
  if (rollout.phase !== "stepping" && rollout.phase !== "paused") return undefined;
  const s = rollout.settings.canaryRouting ?? {};
  return {
    revision: rollout.candidate.id,
    ...(s.header ? { header: s.header } : {}),
    ...(s.cookie ? { cookie: s.cookie } : {}),
    ...(s.sticky ? { sticky: s.sticky } : {}),
  };
}

function fingerprint(routes: Route[]): string {
  const sorted = routes.map((r) => ({
    ...r,
    revisions: r.revisions.map((rev) => ({
      ...rev,
      instances: [...rev.instances].sort((a, b) => a.id.localeCompare(b.id)),
    })),
  }));
  return JSON.stringify(sorted);
}
