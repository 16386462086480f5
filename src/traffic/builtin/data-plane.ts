import type { Logger } from "../../log.js";
import { compileTable, type CompiledRoute, type CompiledTable } from "./pick-revision.js";
import type { RevisionStats, RouteTable, TrafficPolicy, Upstream } from "../../core/traffic/index.js";
import { EMPTY_TABLE } from "./route-store.js";
import { LinkedList, type ListNode } from "./linked-list.js";
import { RevisionCounters } from "./stats.js";
import { Timeouts } from "./timeouts.js";
import { UpstreamPool } from "./upstream-client.js";

/** Something in flight on an instance that a drain may have to cut. */
export interface Cuttable {
  cut(): void;
}

/**
 * One upstream process of a revision: its keep-alive pool, what runs on it, and its outlier state.
 * Instances are keyed by revision, id and address, so a table swap that keeps an instance keeps its
 * pool and counters.
 */
export class Instance {
  readonly pool: UpstreamPool;
  inflight = 0;
  consecutiveErrors = 0;
  ejectedUntil = 0;
  draining = false;
  disposed = false;
  drainTimer: NodeJS.Timeout | undefined;
  /** Requests running on it (each joins with its own node: see linked-list.ts for why not a Set). */
  readonly exchanges = new LinkedList<Cuttable>();
  readonly websockets = new Set<Cuttable>();

  constructor(
    readonly key: string,
    readonly upstream: Upstream,
    readonly revision: Revision,
  ) {
    // A lean HTTP/1.1 client (upstream-client.ts): less CPU per request than undici's Pool or
    // node:http's Agent (bench/proxy.mjs). Idle sockets close after 4 s, under Node's 5 s server
    // keepAliveTimeout (an app's Keep-Alive: timeout= hint is honoured, minus 2 s). No timeouts of
    // its own: the per-try timeout is the proxy's, and a streaming response may idle. It sets
    // TCP_NODELAY: with Nagle on, measured throughput behind nginx halved.
    this.pool = new UpstreamPool(upstream.host, upstream.port, { keepAliveMs: 4_000 });
  }
}

export type RevisionState = NonNullable<RevisionStats["state"]>;

export class Revision {
  instances: Instance[] = [];
  policy: TrafficPolicy;
  state: RevisionState = "active";
  /** Requests assigned to this revision and not finished, queued ones included. */
  inflight = 0;
  /** Requests waiting for a free connection (circuit breaker's pending queue), oldest first. */
  readonly waiters: Waiter[] = [];
  readonly counters: RevisionCounters;
  /** Rotating start for least-outstanding ties, so equal instances take turns. */
  rr = 0;
  drainedAt = 0;

  constructor(
    readonly id: string,
    readonly routeId: string,
    policy: TrafficPolicy,
  ) {
    this.policy = policy;
    this.counters = new RevisionCounters(id, routeId);
  }
}

/** A request queued for a free connection on its revision. */
export interface Waiter {
  /** Called when an instance frees up, or with "reroute" when the revision left the table. */
  wake(reason: "slot" | "reroute"): void;
}

export interface RouteRuntime {
  compiled: CompiledRoute;
  revisions: Map<string, Revision>;
  pending: number;
}

export type InstanceChoice = { kind: "instance"; instance: Instance } | { kind: "full" } | { kind: "none" };

/**
 * The routing state of one proxy process: the compiled table, and the revisions and instances it
 * has seen, including those draining after they left the table. A swap is one assignment, so a
 * request sees either the old table or the new one, never a mix.
 */
export class DataPlane {
  table: RouteTable = EMPTY_TABLE;
  compiled: CompiledTable = compileTable(EMPTY_TABLE);
  readonly routes = new Map<string, RouteRuntime>();
  readonly revisions = new Map<string, Revision>();
  private readonly instances = new Map<string, Instance>();
  /** The requests' queue and per-try timeouts. */
  readonly timeouts = new Timeouts();
  unrouted = 0;

  constructor(
    readonly log: Logger,
    readonly now: () => number = Date.now,
  ) {}

  apply(table: RouteTable): void {
    const keptRevisions = new Set<string>();
    const keptInstances = new Set<string>();
    const compiled = compileTable(table);
    const routes = new Map<string, RouteRuntime>();
    const allCompiled = new Set([...compiled.anyHost, ...[...compiled.byHost.values()].flat()]);
    for (const compiledRoute of allCompiled) {
      const route = compiledRoute.route;
      const runtime: RouteRuntime = {
        compiled: compiledRoute,
        revisions: new Map(),
        pending: this.routes.get(route.id)?.pending ?? 0,
      };
      for (const spec of route.revisions) {
        let revision = this.revisions.get(spec.id);
        if (!revision || revision.routeId !== route.id) {
          revision = new Revision(spec.id, route.id, route.policy);
          this.revisions.set(spec.id, revision);
        }
        if (revision.state !== "active")
          this.log.info({ revision: spec.id }, "revision back in the table; drain cancelled");
        revision.state = "active";
        revision.policy = route.policy;
        revision.instances = spec.instances.map((upstream) => {
          const key = `${route.id}|${spec.id}|${upstream.id}|${upstream.host}:${upstream.port}`;
          keptInstances.add(key);
          let instance = this.instances.get(key);
          if (!instance || instance.disposed) {
            instance = new Instance(key, upstream, revision);
            this.instances.set(key, instance);
          }
          if (instance.draining) {
            instance.draining = false;
            clearTimeout(instance.drainTimer);
          }
          return instance;
        });
        runtime.revisions.set(spec.id, revision);
        keptRevisions.add(spec.id);
      }
      routes.set(route.id, runtime);
    }

    // The swap: from here on every new request is routed with the new table.
    this.table = table;
    this.compiled = compiled;
    this.routes.clear();
    for (const [id, runtime] of routes) this.routes.set(id, runtime);

    for (const instance of this.instances.values()) {
      if (!keptInstances.has(instance.key) && !instance.draining && !instance.disposed)
        this.drainInstance(instance);
    }
    for (const revision of this.revisions.values()) {
      if (keptRevisions.has(revision.id) || revision.state !== "active") continue;
      revision.state = "draining";
      // Requests queued for it have not reached it yet: route them again with the new table.
      for (const waiter of revision.waiters.splice(0)) waiter.wake("reroute");
      this.settleRevision(revision);
    }
    // Queued requests of a kept revision may now fit (more instances, higher limits).
    for (const runtime of this.routes.values())
      for (const revision of runtime.revisions.values()) this.wakeWaiters(revision);
  }

  /** Least outstanding requests among the revision's usable instances (not ejected or draining). */
  chooseInstance(revision: Revision, avoid?: ReadonlySet<Instance>): InstanceChoice {
    const now = this.now();
    const list = revision.instances;
    const n = list.length;
    let best: Instance | undefined;
    let fallback: Instance | undefined;
    let usable = 0;
    const start = revision.rr++ % Math.max(n, 1);
    for (let k = 0; k < n; k++) {
      const instance = list[(start + k) % n];
      if (!instance || instance.draining || instance.ejectedUntil > now) continue;
      usable++;
      if (instance.inflight >= revision.policy.maxConnections) continue;
      if (avoid?.has(instance)) {
        if (!fallback || instance.inflight < fallback.inflight) fallback = instance;
        continue;
      }
      if (!best || instance.inflight < best.inflight) best = instance;
    }
    const chosen = best ?? fallback;
    if (chosen) return { kind: "instance", instance: chosen };
    return usable > 0 ? { kind: "full" } : { kind: "none" };
  }

  /** An outcome seen from an instance: 5xx, connect errors and timeouts count toward ejection. */
  noteOutcome(instance: Instance, failed: boolean): void {
    if (!failed) {
      instance.consecutiveErrors = 0;
      return;
    }
    const { consecutiveErrors, ejectionMs, maxEjectedPercent } = instance.revision.policy.outlier;
    if (++instance.consecutiveErrors < consecutiveErrors) return;
    const now = this.now();
    const siblings = instance.revision.instances;
    const ejected = siblings.filter((other) => other.ejectedUntil > now).length;
    // The cap keeps part of the revision serving: with one instance nothing is ever ejected.
    if (ejected + 1 > Math.floor((siblings.length * maxEjectedPercent) / 100)) return;
    instance.ejectedUntil = now + ejectionMs;
    instance.consecutiveErrors = 0;
    this.log.warn(
      { instance: instance.upstream.id, revision: instance.revision.id, ejectionMs },
      "instance ejected after consecutive errors",
    );
  }

  /** Called when a request leaves an instance (with the node it joined `exchanges` with). */
  release(instance: Instance, work: ListNode<Cuttable>): void {
    instance.inflight--;
    instance.exchanges.remove(work);
    if (instance.draining && instance.inflight === 0 && instance.exchanges.size === 0)
      this.disposeInstance(instance);
    else this.wakeWaiters(instance.revision);
  }

  /** Called when a request assigned to a revision is over, whatever happened to it. */
  finishOnRevision(revision: Revision): void {
    revision.inflight--;
    if (revision.state === "draining") this.settleRevision(revision);
  }

  /** Called when a WebSocket closes: the last one may complete a revision's drain. */
  finishWebSocket(revision: Revision): void {
    if (revision.state === "draining") this.settleRevision(revision);
  }

  private wakeWaiters(revision: Revision): void {
    while (revision.waiters.length > 0) {
      const choice = this.chooseInstance(revision);
      if (choice.kind === "full") return;
      const waiter = revision.waiters.shift();
      waiter?.wake("slot");
    }
  }

  private drainInstance(instance: Instance): void {
    instance.draining = true;
    // WebSockets can live for hours; kamal-proxy cancels hijacked connections first for the same reason.
    for (const socket of [...instance.websockets]) socket.cut();
    if (instance.inflight === 0 && instance.exchanges.size === 0) {
      this.disposeInstance(instance);
      return;
    }
    const timeout = instance.revision.policy.drainTimeoutMs;
    instance.drainTimer = setTimeout(() => {
      if (!instance.draining) return;
      const left = instance.exchanges.values();
      if (left.length > 0)
        this.log.warn(
          { revision: instance.revision.id, instance: instance.upstream.id, cut: left.length },
          "drain timeout: cutting requests with 504",
        );
      for (const work of left) work.cut();
      this.disposeInstance(instance);
    }, timeout);
    instance.drainTimer.unref();
  }

  private disposeInstance(instance: Instance): void {
    if (instance.disposed) return;
    instance.disposed = true;
    instance.draining = true;
    clearTimeout(instance.drainTimer);
    destroyPool(instance);
    this.instances.delete(instance.key);
    this.settleRevision(instance.revision);
  }

  private settleRevision(revision: Revision): void {
    if (revision.state !== "draining") return;
    if (revision.inflight > 0) return;
    if (revision.instances.some((instance) => !instance.disposed && instance.websockets.size > 0)) return;
    revision.state = "drained";
    revision.drainedAt = this.now();
    this.log.info({ revision: revision.id }, "revision drained");
  }

  stats(): RevisionStats[] {
    // Forget revisions drained long ago so a long-lived proxy's stats stay small.
    const horizon = this.now() - 15 * 60_000;
    const out: RevisionStats[] = [];
    for (const revision of this.revisions.values()) {
      if (revision.state === "drained" && revision.drainedAt < horizon) {
        this.revisions.delete(revision.id);
        continue;
      }
      let websockets = 0;
      for (const instance of revision.instances) websockets += instance.websockets.size;
      out.push(
        revision.counters.snapshot({ inflight: revision.inflight, websockets, state: revision.state }),
      );
    }
    return out;
  }

  /** Closes every pool (shutdown). */
  close(): void {
    this.timeouts.close();
    for (const instance of this.instances.values()) destroyPool(instance);
  }
}

/** Closes an instance's upstream connections, failing whatever still runs on them. */
function destroyPool(instance: Instance): void {
  instance.pool.destroy();
}
