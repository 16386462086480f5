/**
 * In-memory fakes of the rollout controller's ports, for simulated-time tests. Everything with a
 * clock reads the one manual clock; nothing here sleeps or starts a process. The Store is the real
 * SQLite adapter (in memory), the TrafficRouter the real ProxyTrafficRouter over a fake proxy
 * admin API: only what would need a process or the network is faked.
 */
import { parseProjectConfig } from "../../../src/config/load.js";
import type { RevisionStats, RouteTable } from "../../../src/core/traffic/index.js";
import {
  prepareFromConfig,
  type DeployRequest,
  type PreparedDeploy,
  type ReleaseSource,
} from "../../../src/rollouts/release-source.js";
import type { DataPlaneAdmin as ProxyAdmin } from "../../../src/traffic/port.js";
import type { Instance, RevisionSpec } from "../../../src/core/revision/spec.js";
import type { Runtime } from "../../../src/runtimes/port.js";

/** Epoch ms that only moves when a test says so. */
export class ManualClock {
  constructor(private nowMs = Date.UTC(2026, 0, 1)) {}
  readonly now = (): number => this.nowMs;
  advance(ms: number): void {
    if (ms < 0) throw new RangeError("time does not go backwards");
    this.nowMs += ms;
  }
}

/**
 * A Runtime whose instances start in "starting" and become ready only when the test says so
 * (`makeReady`), as probes would. `stop` is immediate; `resources` serves what the test set.
 */
export class FakeRuntime implements Runtime {
  private readonly byRevision = new Map<string, Instance[]>();
  private readonly usage = new Map<string, { cpuPercent: number; rssBytes: number }>();
  private nextPort = 20_000;
  /** Every call, in order (what the controller asked the runtime to do). */
  readonly calls: string[] = [];

  constructor(private readonly clock: () => number) {}

  ensure(spec: RevisionSpec): Promise<void> {
    this.calls.push(`ensure ${spec.revisionId}`);
    const list = (this.byRevision.get(spec.revisionId) ?? []).filter((i) => i.state !== "stopped");
    while (list.length < spec.replicas) {
      const port = this.nextPort++;
      list.push({
        id: `${spec.revisionId}#${list.length + 1}`,
        revisionId: spec.revisionId,
        pid: port,
        host: "127.0.0.1",
        port,
        state: "starting",
        restarts: 0,
        startedAt: new Date(this.clock()).toISOString(),
        logFile: `/dev/null`,
      });
    }
    this.byRevision.set(spec.revisionId, list);
    return Promise.resolve();
  }

  /** The revision's instances pass their readiness probes. */
  makeReady(revisionId: string): void {
    for (const i of this.byRevision.get(revisionId) ?? []) i.state = "ready";
  }

  instances(revisionId: string): Instance[] {
    return (this.byRevision.get(revisionId) ?? []).map((i) => ({ ...i }));
  }

  stop(revisionId: string): Promise<void> {
    this.calls.push(`stop ${revisionId}`);
    for (const i of this.byRevision.get(revisionId) ?? []) i.state = "stopped";
    return Promise.resolve();
  }

  revisions(): string[] {
    return [...this.byRevision]
      .filter(([, list]) => list.some((i) => i.state !== "stopped"))
      .map(([id]) => id);
  }

  setResources(revisionId: string, usage: { cpuPercent: number; rssBytes: number }): void {
    this.usage.set(revisionId, usage);
  }

  resources(revisionId: string): Promise<{ cpuPercent: number; rssBytes: number }> {
    this.calls.push(`resources ${revisionId}`);
    return Promise.resolve(this.usage.get(revisionId) ?? { cpuPercent: 1, rssBytes: 50e6 });
  }

  detach(): Promise<void> {
    return Promise.resolve();
  }
}

const zeroStats = (revision: string, route: string): RevisionStats => ({
  revision,
  route,
  responses: { "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0 },
  inflight: 0,
  latency: { bucketsMs: [50, 100, 500, 1000, 5000], counts: [0, 0, 0, 0, 0], sum: 0, count: 0 },
  state: "active",
});

/**
 * The proxy's admin API as a recorder: keeps every table it is sent (the data plane's history) and
 * reports one stats row per revision of the table it holds, with the counters the test scripted
 * (zero by default), as the real proxy reports every revision it routes to.
 */
export class FakeProxyAdmin implements ProxyAdmin {
  readonly tables: RouteTable[] = [];
  private current: RouteTable = { generation: 0, routes: [] };
  private readonly scripted = new Map<string, Partial<RevisionStats>>();
  /** Revisions that left the table (→ their route): "draining" while scripted in flight, then "drained". */
  private readonly retired = new Map<string, string>();

  applyRoutes(table: RouteTable): Promise<{ generation: number }> {
    this.tables.push(structuredClone(table));
    const kept = new Set(table.routes.flatMap((r) => r.revisions.map((rev) => rev.id)));
    for (const route of this.current.routes)
      for (const r of route.revisions) if (!kept.has(r.id)) this.retired.set(r.id, route.id);
    for (const id of kept) this.retired.delete(id);
    this.current = structuredClone(table);
    return Promise.resolve({ generation: table.generation });
  }

  routes(): Promise<RouteTable> {
    return Promise.resolve(structuredClone(this.current));
  }

  /** Counters the proxy reports for `revision` from now on. */
  script(revision: string, stats: Partial<RevisionStats>): void {
    this.scripted.set(revision, stats);
  }

  stats(): Promise<RevisionStats[]> {
    const rows: RevisionStats[] = [];
    for (const route of this.current.routes) {
      for (const r of route.revisions)
        rows.push({ ...zeroStats(r.id, route.id), ...this.scripted.get(r.id) });
    }
    for (const [revision, route] of this.retired) {
      const row = { ...zeroStats(revision, route), ...this.scripted.get(revision) };
      rows.push({ ...row, state: row.inflight > 0 ? "draining" : "drained" });
    }
    return Promise.resolve(rows);
  }

  /** Each revision's weight in the table the proxy holds now ("web/production@v2" → 30). */
  weights(): Record<string, number> {
    const route = this.current.routes[0];
    return Object.fromEntries((route?.revisions ?? []).map((r) => [r.id, r.weight]));
  }
}

/**
 * Prepares deploys from slipway.yaml text as the project release source does from the file, with a
 * release directory that nobody reads (the fake runtime runs nothing).
 */
export class FakeReleaseSource implements ReleaseSource {
  constructor(private readonly yaml: string) {}

  prepare(request: DeployRequest): Promise<PreparedDeploy> {
    return Promise.resolve(prepareFromConfig(parseProjectConfig(this.yaml), request, "/nonexistent/release"));
  }
}
