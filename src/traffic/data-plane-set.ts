import { pino } from "pino";
import type { Logger } from "../log.js";
import {
  describeShortfall,
  mergeStats,
  shortfalls,
  tableForHost,
  type DataPlaneHostStatus,
  type EnvironmentPlanes,
  type RevisionStats,
  type RouteTable,
} from "../core/traffic/index.js";
import type { DataPlaneAdmin } from "./port.js";

/** A data plane on another host: `slipway proxy` reached through its admin API. */
export interface RemotePlane {
  name: string;
  /** Where its admin API is (shown in `slipway status`; the client already knows). */
  admin: string;
  client: DataPlaneAdmin & { close?(): Promise<void> };
  /** The environments whose routes it serves. */
  environments: ReadonlySet<string>;
  /** Replaces loopback upstream hosts in what it is sent (tableForHost). */
  upstreamHost?: string;
}

export const DATA_PLANE_SET_DEFAULTS = {
  /** First wait before resending to an unreachable host; doubles up to maxRetryMs. */
  retryMs: 250,
  maxRetryMs: 5_000,
} as const;

interface HostState {
  plane: RemotePlane;
  /** The table (as built, before tableForHost) it last acknowledged. */
  acked: RouteTable | undefined;
  ackedAt: number | undefined;
  reachable: boolean;
  error: string | undefined;
  /** The push in progress; pushes to one host never overlap. */
  running: Promise<void> | undefined;
  /** Stats from its last answer, used while it is unreachable so running totals never go down. */
  lastStats: RevisionStats[];
  retry: NodeJS.Timeout | undefined;
  failures: number;
}

/**
 * Data planes on several hosts behind one DataPlaneAdmin: the local proxy (which every table must
 * reach, as before) and the remote hosts that environments list in slipway.yaml (`dataPlanes`).
 * Every table goes to each remote host with the same generation (only its environments' routes);
 * a host that does not answer keeps serving its last table and is resent the newest one in the
 * background (250 ms doubling to 5 s) until it acknowledges it. `shortfall(environment)` says
 * whether the environment's hosts hold its current routes fewer times than its quorum: the
 * controller then holds the environment's rollouts where they are (src/core/rollout/next-action.ts).
 *
 * @example
 * const planes = new DataPlaneSet({ local: supervisor, hosts: [{ name: "web-1", admin, client,
 *   environments: new Set(["production"]) }], planes: [{ environment: "production",
 *   hosts: ["web-1"], quorum: 1 }] });
 */
export class DataPlaneSet implements DataPlaneAdmin {
  private readonly local: DataPlaneAdmin;
  private readonly hosts: HostState[];
  private readonly planes: readonly EnvironmentPlanes[];
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private desired: RouteTable | undefined;
  private closed = false;

  constructor(options: {
    local: DataPlaneAdmin;
    hosts: RemotePlane[];
    planes: EnvironmentPlanes[];
    logger?: Logger;
    clock?: () => number;
    retryMs?: number;
    maxRetryMs?: number;
  }) {
    this.local = options.local;
    this.planes = options.planes;
    this.log = options.logger ?? pino({ enabled: false });
    this.clock = options.clock ?? Date.now;
    this.retryMs = options.retryMs ?? DATA_PLANE_SET_DEFAULTS.retryMs;
    this.maxRetryMs = options.maxRetryMs ?? DATA_PLANE_SET_DEFAULTS.maxRetryMs;
    this.hosts = options.hosts.map((plane) => ({
      plane,
      acked: undefined,
      ackedAt: undefined,
      reachable: true,
      error: undefined,
      running: undefined,
      lastStats: [],
      retry: undefined,
      failures: 0,
    }));
  }

  /**
   * The local proxy must acknowledge (its failure rejects, as with one proxy). Reachable hosts are
   * sent the table and waited for; unreachable ones are not waited for (their client would hang
   * until its timeout on every tick): their background resend takes the newest table.
   */
  async applyRoutes(table: RouteTable): Promise<{ generation: number }> {
    this.desired = table;
    const remote = Promise.all(
      this.hosts.map((h) => {
        if (h.reachable) return this.catchUp(h);
        this.scheduleRetry(h);
        return Promise.resolve();
      }),
    );
    const [ack] = await Promise.all([this.local.applyRoutes(table), remote]);
    for (const s of shortfalls(this.planes, table, this.acknowledgedTables())) {
      this.log.warn({ environment: s.environment }, describeShortfall(s, table.generation));
    }
    return ack;
  }

  routes(): Promise<RouteTable> {
    return this.local.routes();
  }

  /** Summed over the local proxy and every host (an unreachable host counts with its last answer). */
  async stats(): Promise<RevisionStats[]> {
    const [local, ...remote] = await Promise.all([
      this.local.stats(),
      ...this.hosts.map(async (h) => {
        if (!h.reachable) return h.lastStats;
        try {
          h.lastStats = await h.plane.client.stats();
        } catch (error) {
          this.unreachable(h, error);
          this.scheduleRetry(h);
        }
        return h.lastStats;
      }),
    ]);
    return mergeStats([local, ...remote]);
  }

  /** Why the environment's hosts do not yet hold its current routes, or undefined when they do. */
  shortfall(environment: string): string | undefined {
    if (!this.desired) return undefined;
    const planes = this.planes.filter((p) => p.environment === environment);
    const short = shortfalls(planes, this.desired, this.acknowledgedTables())[0];
    return short && describeShortfall(short, this.desired.generation);
  }

  /** Each host of the environment: the generation it acknowledged and its health. */
  hostsOf(environment: string): DataPlaneHostStatus[] {
    return this.hosts
      .filter((h) => h.plane.environments.has(environment))
      .map((h) => {
        const desired = this.desired?.generation ?? null;
        const generation = h.acked?.generation ?? null;
        const health = !h.reachable ? "unreachable" : generation === desired ? "in-sync" : "behind";
        return {
          name: h.plane.name,
          admin: h.plane.admin,
          health,
          generation,
          desiredGeneration: desired,
          ...(h.error && health !== "in-sync" ? { error: h.error } : {}),
          acknowledgedAt: h.ackedAt ?? null,
        };
      });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const h of this.hosts) clearTimeout(h.retry);
    await Promise.all(this.hosts.map((h) => h.running ?? Promise.resolve()));
    await Promise.all(this.hosts.map((h) => h.plane.client.close?.() ?? Promise.resolve()));
  }

  /** Sends the newest table until the host holds it, or fails (then retried in the background). */
  private catchUp(h: HostState): Promise<void> {
    if (h.running) return h.running;
    const run = (async () => {
      while (!this.closed && this.desired && h.acked !== this.desired) {
        const table = this.desired;
        try {
          await h.plane.client.applyRoutes(tableForHost(table, h.plane.environments, h.plane.upstreamHost));
        } catch (error) {
          this.unreachable(h, error);
          return;
        }
        if (!h.reachable || h.failures > 0)
          this.log.info({ host: h.plane.name, generation: table.generation }, "data plane back in sync");
        h.acked = table;
        h.ackedAt = this.clock();
        h.reachable = true;
        h.error = undefined;
        h.failures = 0;
      }
    })().finally(() => {
      h.running = undefined;
      if (!h.reachable) this.scheduleRetry(h);
    });
    h.running = run;
    return run;
  }

  private unreachable(h: HostState, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (h.reachable)
      this.log.warn({ host: h.plane.name, err: message }, "data plane unreachable; it keeps its last table");
    h.reachable = false;
    h.error = message;
    h.failures += 1;
  }

  /** One timer per host: resend the newest table after a backoff (none while a push runs). */
  private scheduleRetry(h: HostState): void {
    if (h.retry || h.running || this.closed) return;
    const wait = Math.min(this.maxRetryMs, this.retryMs * 2 ** Math.max(0, h.failures - 1));
    h.retry = setTimeout(() => {
      h.retry = undefined;
      void this.catchUp(h);
    }, wait);
    h.retry.unref();
  }

  private acknowledgedTables(): Map<string, RouteTable | undefined> {
    return new Map(this.hosts.map((h) => [h.plane.name, h.acked]));
  }
}
