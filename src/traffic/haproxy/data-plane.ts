import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import http from "node:http";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { SlipwayError } from "../../core/errors.js";
import type { RevisionStats, RouteTable } from "../../core/traffic/index.js";
import type { Logger } from "../../log.js";
import type { DataPlaneAdmin } from "../port.js";
import {
  CUT_MAP,
  planConfig,
  PREVIEW_MAP,
  serverName,
  SERVERS_MAP,
  ASSETS_MAP,
  type BackendKind,
  type ConfigPaths,
  type ConfigPlan,
} from "./config.js";
import { RingLogCollector } from "./log-collector.js";
import { haproxyDir } from "./master.js";
import { parseShowProc, parseShowSess, parseShowStat, runtimeCommand, type Workers } from "./runtime-api.js";
import { RevisionCounters } from "../revision-counters.js";

export interface HaproxyOptions {
  /** Where haproxy.cfg, its maps, sockets and the persisted table live (`<stateDir>/haproxy`). */
  stateDir: string;
  /** Traffic listener, "host:port" (port 0: a free port is picked). */
  listen: string;
  /** Worker threads (HAProxy's nbthread); default 2. */
  threads?: number;
  /** The haproxy binary; default "haproxy" on PATH. */
  binary?: string;
  /** Unix socket of the static asset origin that published bundles are routed to (none: not routed). */
  assetsSocket?: string;
  /** Bundle names published so far (more come through addAssetNames). */
  assetNames?: readonly string[];
  log?: Logger;
}

const WAIT_STEP_MS = 20;
const RELOAD_TIMEOUT_MS = 15_000;
const LOG_BARRIER_TIMEOUT_MS = 2_000;
/** How often an older worker is checked for its last client connection (then its log is closed). */
const OLD_WORKER_POLL_MS = 100;
const EMPTY: RouteTable = { generation: 0, routes: [] };

interface Draining {
  servers: { backend: string; server: string }[];
  state: "draining" | "drained";
  timer: NodeJS.Timeout | undefined;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Slipway's side of an HAProxy data plane: runs HAProxy in master-worker mode as a detached process
 * (it outlives this one; a new one adopts it), turns each route table into haproxy.cfg, changes
 * weights through the Runtime API and reloads seamlessly when the structure changed, and counts
 * every request from HAProxy's request log (its ring, read by log-collector.ts) into the same
 * per-revision stats the built-in proxy reports. Implements the traffic port's DataPlaneAdmin, so
 * the contract suite and the controller drive it like the built-in proxy.
 */
export class HaproxyDataPlane implements DataPlaneAdmin {
  private table: RouteTable = EMPTY;
  private running: ConfigPlan | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly totals = new Map<string, RevisionCounters>();
  private readonly backends = new Map<string, { route: string; kind: BackendKind }>();
  private readonly serverRevision = new Map<string, string>();
  private readonly draining = new Map<string, Draining>();
  private readonly barriers = new Map<string, () => void>();
  /** Servers taken out at run time (maintenance) that HAProxy still holds until `del server` succeeds. */
  private readonly retired = new Map<string, { backend: string; server: string }>();
  private unrouted = 0;
  private closed = false;
  /** Published asset bundle names routed to the origin (ASSETS_MAP); names are never unpublished. */
  private readonly assetNames = new Set<string>();
  private oldWorkerTimer: NodeJS.Timeout | undefined;
  /**
   * The workers as last listed (at each reload of ours and each stats read): a route change sends
   * its commands to the older ones without a `show proc` round trip through the master, which cost
   * a cutover about a fifth of its time. One gone meanwhile just refuses its copy.
   */
  private knownWorkers: Workers | undefined;

  private constructor(
    private readonly dir: string,
    private readonly paths: ConfigPaths,
    private readonly binary: string,
    private readonly collector: RingLogCollector,
    private readonly log: Logger | undefined,
  ) {}

  get masterSocket(): string {
    return join(this.dir, "master.sock");
  }

  /** Starts HAProxy with the persisted table, or adopts the one a previous control plane left running. */
  static async start(opts: HaproxyOptions): Promise<HaproxyDataPlane> {
    const binary = opts.binary ?? "haproxy";
    const version = spawnSync(binary, ["-v"], { encoding: "utf8" });
    if (version.error || version.status !== 0)
      throw new SlipwayError(
        "SLIPWAY_UNAVAILABLE",
        `the HAProxy data plane needs the haproxy binary (${binary}), which could not run: ${version.error?.message ?? version.stderr} — install it (apt-get install haproxy) or choose dataPlane: builtin`,
      );
    const dir = haproxyDir(resolve(opts.stateDir));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const sink: { plane?: HaproxyDataPlane } = {};
    const collector = new RingLogCollector(join(dir, "admin.sock"), (backend, server, status, us, killed) =>
      sink.plane?.onRequest(backend, server, status, us, killed),
    );
    const persisted = loadTable(join(dir, "routes.json"));
    const listen = persisted.listen ?? (await resolveListen(opts.listen));
    const paths: ConfigPaths = {
      dir,
      statsSocket: join(dir, "admin.sock"),
      syncSocket: join(dir, "sync.sock"),
      listen,
      threads: opts.threads ?? 2,
      ...(opts.assetsSocket ? { assetsSocket: opts.assetsSocket } : {}),
    };
    const plane = new HaproxyDataPlane(dir, paths, binary, collector, opts.log);
    for (const name of opts.assetNames ?? []) plane.assetNames.add(name);
    sink.plane = plane;
    try {
      await plane.boot(persisted.table);
    } catch (error) {
      collector.close();
      throw error;
    }
    return plane;
  }

  /** The traffic listener, "host:port". */
  listenAddress(): string {
    return this.paths.listen;
  }

  current(): RouteTable {
    return this.table;
  }

  routes(): Promise<RouteTable> {
    return Promise.resolve(this.table);
  }

  applyRoutes(table: RouteTable): Promise<{ generation: number }> {
    const run = this.queue.then(() => this.applyNow(table));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async stats(): Promise<RevisionStats[]> {
    await this.logBarrier();
    const workers = await this.workers();
    this.noticeWorkersNotOurs(workers);
    const inflight = new Map<string, number>();
    for (const pid of [...workers.current, ...workers.old]) {
      const rows = parseShowStat(
        await runtimeCommand(this.masterSocket, `@!${pid} show stat`).catch(() => ""),
      );
      for (const row of rows) {
        const revision = this.serverRevision.get(row.server);
        if (!revision || !this.backends.has(row.backend)) continue;
        inflight.set(revision, (inflight.get(revision) ?? 0) + row.current + row.queued);
      }
    }
    const active = new Set(this.table.routes.flatMap((r) => r.revisions.map((v) => v.id)));
    const out: RevisionStats[] = [];
    for (const [revision, totals] of this.totals) {
      const now = inflight.get(revision) ?? 0;
      const drain = this.draining.get(revision);
      if (drain && !active.has(revision) && drain.state === "draining" && now === 0)
        this.finishDrain(revision);
      const state = active.has(revision) ? "active" : (this.draining.get(revision)?.state ?? "drained");
      out.push(totals.snapshot({ inflight: now, state }));
    }
    // Servers retired at run time are deleted once their requests are done (in turn with changes).
    if (this.retired.size > 0) this.queue = this.queue.then(() => this.sweepRetired()).catch(() => undefined);
    return out.sort((a, b) => a.route.localeCompare(b.route) || a.revision.localeCompare(b.revision));
  }

  /** Requests that matched no route (404). */
  unroutedCount(): number {
    return this.unrouted;
  }

  /** Stops HAProxy (every worker) and the collector. */
  async close(): Promise<void> {
    this.detach();
    const pid = readPid(join(this.dir, "master.pid"));
    if (pid && isAlive(pid)) {
      process.kill(pid, "SIGTERM");
      for (let i = 0; i < 250 && isAlive(pid); i++) await sleep(WAIT_STEP_MS);
    }
  }

  /** Leaves HAProxy running (for the next control plane to adopt) and stops listening to its log. */
  detach(): void {
    this.closed = true;
    for (const d of this.draining.values()) clearTimeout(d.timer);
    clearTimeout(this.oldWorkerTimer);
    this.collector.close();
  }

  private async boot(table: RouteTable): Promise<void> {
    const plan = this.plan(table);
    this.writeFiles(plan);
    const pid = readPid(join(this.dir, "master.pid"));
    const running = pid && isAlive(pid) ? await this.workers().catch(() => undefined) : undefined;
    if (running) {
      // Adopt: read what the current worker logs from now on (the previous control plane counted
      // the rest), then reload onto this table (and this build's configuration). Older workers no
      // longer answer on the stats socket: what they still log is not counted (as before adoption).
      for (const worker of running.current)
        await this.collector
          .follow(worker, { fromEnd: true })
          .catch((error: Error) =>
            this.log?.warn({ worker, error: error.message }, "cannot read an adopted HAProxy worker's log"),
          );
      await this.reload();
    } else {
      await this.spawnMaster();
    }
    this.install(table, plan);
  }

  private plan(table: RouteTable): ConfigPlan {
    const plan = planConfig(table, this.paths, this.running?.previewSlots);
    for (const [name, info] of plan.backends) this.backends.set(name, info);
    for (const [name, revision] of plan.servers) this.serverRevision.set(name, revision);
    for (const route of table.routes)
      for (const revision of route.revisions)
        if (!this.totals.has(revision.id))
          this.totals.set(revision.id, new RevisionCounters(revision.id, route.id));
    return plan;
  }

  private install(table: RouteTable, plan: ConfigPlan): void {
    this.table = table;
    this.running = plan;
    const file = join(this.dir, "routes.json");
    writeFileSync(`${file}.tmp`, JSON.stringify({ listen: this.paths.listen, table }), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  private async applyNow(table: RouteTable): Promise<{ generation: number }> {
    if (table.generation < this.table.generation)
      throw new SlipwayError(
        "SLIPWAY_CONFLICT",
        `the HAProxy data plane refused a stale route table: generation ${table.generation} is older than the current ${this.table.generation}`,
      );
    const previous = this.table;
    const running = this.running;
    const plan = this.plan(table);
    const inPlace =
      running && plan.structure === running.structure
        ? await this.changeInPlace(running, plan).then(
            () => true,
            (error: Error) => {
              // Half-applied Runtime API changes: a reload puts the whole table in place instead.
              this.log?.warn({ error: error.message }, "HAProxy refused a runtime change; reloading instead");
              return false;
            },
          )
        : false;
    if (!inPlace) {
      this.writeFiles(plan);
      await this.reload();
      // The new worker holds the servers of the file only.
      this.retired.clear();
    }
    this.install(table, plan);
    this.startDrains(previous, table, running);
    this.log?.info(
      { generation: table.generation, routes: table.routes.length },
      "route table installed in HAProxy",
    );
    return { generation: table.generation };
  }

  /**
   * Servers and weights change over the Runtime API, no reload (a reload's older worker closes
   * keep-alive connections, resetting requests in flight on them): `add server` for new instances,
   * `set server weight` / `state`, and maintenance for instances that left (their requests finish;
   * `del server` follows once they have none, see sweepRetired).
   */
  private async changeInPlace(running: ConfigPlan, plan: ConfigPlan): Promise<void> {
    const key = (m: { backend: string; server: string }) => `${m.backend}/${m.server}`;
    const before = new Map(running.weighted.map((s) => [key(s), s.weight]));
    const beforeMembers = new Map(running.members.map((m) => [key(m), m]));
    const nextMembers = new Map(plan.members.map((m) => [key(m), m]));
    const knownNames = new Set([
      ...running.servers.keys(),
      ...[...this.retired.values()].map((r) => r.server),
    ]);
    const commands: string[] = [];
    // New instances first, so that a backend never runs out of servers in between.
    for (const m of plan.members) {
      const k = key(m);
      if (beforeMembers.has(k)) continue;
      if (!knownNames.has(m.server)) {
        commands.push(`add map ${join(this.dir, SERVERS_MAP)} ${m.server} ${m.revision}`);
        knownNames.add(m.server);
      }
      if (this.retired.delete(k)) commands.push(`set server ${k} weight ${m.weight}`);
      else commands.push(`add server ${k} ${m.address} weight ${m.weight} ${m.args}`, `enable health ${k}`);
      if (m.ready) commands.push(`set server ${k} state ready`);
    }
    // Preview tokens of new revisions point at their slot; those of revisions gone are removed.
    const previewFile = join(this.dir, PREVIEW_MAP);
    const wasPreview = mapEntries(running.maps[PREVIEW_MAP]);
    const nextPreview = mapEntries(plan.maps[PREVIEW_MAP]);
    for (const [k, v] of nextPreview) {
      if (!wasPreview.has(k)) commands.push(`add map ${previewFile} ${k} ${v}`);
      else if (wasPreview.get(k) !== v) commands.push(`set map ${previewFile} ${k} ${v}`);
    }
    for (const k of wasPreview.keys()) if (!nextPreview.has(k)) commands.push(`del map ${previewFile} ${k}`);
    for (const s of plan.weighted) {
      const k = key(s);
      if (!before.has(k)) continue;
      const was = before.get(k) ?? 0;
      if (was === s.weight) continue;
      if (s.weight === 0) commands.push(`set server ${k} state maint`);
      else {
        commands.push(`set server ${k} weight ${s.weight}`);
        if (was === 0) commands.push(`set server ${k} state ready`);
      }
    }
    for (const m of running.members) {
      const k = key(m);
      if (nextMembers.has(k)) continue;
      commands.push(`set server ${k} state maint`);
      this.retired.set(k, { backend: m.backend, server: m.server });
    }
    if (commands.length === 0) return;
    const answer = await runtimeCommand(this.masterSocket, onWorker("current", commands));
    const problem = answer
      .split("\n")
      .find((l) =>
        /No such|Require|Invalid|not found|error|not accepted|already exists|unknown|failed/i.test(l),
      );
    if (problem)
      throw new SlipwayError("SLIPWAY_UNAVAILABLE", `HAProxy refused a server or weight change: ${problem}`);
    // An older worker still answers requests on its open keep-alive connections: same servers there.
    // (Listed at each reload of ours and each stats read, which also notices a reload not ours.)
    const workers = this.knownWorkers ?? (await this.workers());
    for (const old of workers.old)
      await runtimeCommand(this.masterSocket, onWorker(old, commands)).catch(() => "");
    // After the answer, as clean-up: the files say what now runs, so that a reload (an operator's
    // too) keeps these weights and servers; and what left is deleted once it has no request.
    this.queue = this.queue.then(() => this.writeRunning(plan)).catch(() => undefined);
    if (this.retired.size > 0)
      this.queue = this.queue.then(() => this.sweepRetired(plan)).catch(() => undefined);
  }

  /** `del server` for each retired server that has no request left (HAProxy refuses it before). */
  private async sweepRetired(plan: ConfigPlan | undefined = this.running): Promise<void> {
    if (this.retired.size === 0 || this.closed) return;
    const [pid] = (await this.workers().catch(() => undefined))?.current ?? [];
    if (pid === undefined) return;
    for (const [k, r] of [...this.retired]) {
      const answer = await runtimeCommand(this.masterSocket, `@!${pid} del server ${k}`).catch(() => "");
      if (!/Server deleted/i.test(answer)) continue;
      this.retired.delete(k);
      const stillUsed =
        plan?.servers.has(r.server) || [...this.retired.values()].some((other) => other.server === r.server);
      if (!stillUsed)
        await runtimeCommand(
          this.masterSocket,
          `@!${pid} del map ${join(this.dir, SERVERS_MAP)} ${r.server}`,
        ).catch(() => "");
    }
  }

  /** Revisions that left the table drain in the workers that hold their requests, until the deadline. */
  private startDrains(previous: RouteTable, next: RouteTable, running: ConfigPlan | undefined): void {
    const staying = new Set(next.routes.flatMap((r) => r.revisions.map((v) => v.id)));
    for (const route of previous.routes) {
      for (const revision of route.revisions) {
        if (staying.has(revision.id) || this.draining.get(revision.id)?.state === "draining") continue;
        const backends = [...(running?.backends ?? [])].filter(([, b]) => b.route === route.id);
        const servers = backends.flatMap(([backend]) =>
          revision.instances.map((i) => ({ backend, server: serverName(revision.id, i.id) })),
        );
        const entry: Draining = { servers, state: "draining", timer: undefined };
        entry.timer = setTimeout(() => void this.cut(revision.id), route.policy.drainTimeoutMs);
        entry.timer.unref();
        this.draining.set(revision.id, entry);
      }
    }
    for (const id of staying) {
      const entry = this.draining.get(id);
      if (entry) clearTimeout(entry.timer);
      this.draining.delete(id);
    }
  }

  /** The drain deadline: every request of the revision still running is cut, answered 504. */
  private async cut(revision: string): Promise<void> {
    const entry = this.draining.get(revision);
    if (!entry || entry.state !== "draining" || this.closed) return;
    const workers = await this.workers().catch(() => undefined);
    const names = [...new Set(entry.servers.map((s) => s.server))];
    const targets = new Set(entry.servers.map((s) => `${s.backend}/${s.server}`));
    for (const pid of [...(workers?.current ?? []), ...(workers?.old ?? [])]) {
      // A stopping worker refuses `shutdown sessions server` ("Proxy is disabled"), so each stream
      // of the revision is cut by its id; the cut map turns HAProxy's 502 for it into a 504.
      const streams = parseShowSess(
        await runtimeCommand(this.masterSocket, `@!${pid} show sess`).catch(() => ""),
      ).filter((s) => targets.has(`${s.backend}/${s.server}`));
      if (streams.length === 0) continue;
      const commands = [
        ...names.map((s) => `add map ${join(this.dir, CUT_MAP)} ${s} 1`),
        ...streams.map((s) => `shutdown session ${s.id}`),
      ];
      const answer = await runtimeCommand(this.masterSocket, onWorker(pid, commands)).catch(
        (e: Error) => e.message,
      );
      if (answer.trim() !== "") this.log?.warn({ pid, answer }, "HAProxy answered the drain cut");
    }
    this.finishDrain(revision);
  }

  private finishDrain(revision: string): void {
    const entry = this.draining.get(revision);
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.state = "drained";
  }

  private onRequest(backendName: string, server: string, status: number, us: number, killed: boolean): void {
    if (backendName === "sync") {
      this.barriers.get(server)?.();
      return;
    }
    if (backendName === "unrouted") {
      this.unrouted++;
      return;
    }
    const backend = this.backends.get(backendName);
    const revision = this.serverRevision.get(server);
    const totals = revision ? this.totals.get(revision) : undefined;
    if (!backend || !totals) return;
    if (backend.kind === "preview") {
      totals.previews++;
      return;
    }
    // A request HAProxy answered without a status (the client left first) counts as 5xx, as the
    // built-in proxy counts its own failures.
    totals.record(status > 0 ? status : 500, us / 1000);
    if (killed) totals.cutAtDrain++;
  }

  /**
   * Waits until HAProxy's log has caught up with every request answered so far: a request to the
   * internal `sync` frontend is logged after them, so its line arriving closes the gap.
   */
  private logBarrier(): Promise<void> {
    return this.collector.promptly(() => this.syncRequest());
  }

  /** A request to the `sync` frontend, resolved when its log line arrived (or after a timeout). */
  private async syncRequest(): Promise<void> {
    const path = `/sync/${randomUUID()}`;
    const arrived = new Promise<void>((done) => {
      const timer = setTimeout(done, LOG_BARRIER_TIMEOUT_MS);
      this.barriers.set(path, () => {
        clearTimeout(timer);
        done();
      });
    });
    await new Promise<void>((done) => {
      const req = http.get({ socketPath: this.paths.syncSocket, path, agent: false }, (res) => {
        res.resume();
        res.on("end", done);
      });
      req.on("error", () => done());
    });
    await arrived;
    this.barriers.delete(path);
  }

  /**
   * A reload Slipway did not make (an operator's `systemctl reload`) started a worker whose log
   * nobody reads, and left the one it replaced waiting for its log stream to close: read the new
   * one's ring from its first line (nothing is lost) and let the old one finish.
   */
  private noticeWorkersNotOurs(workers: Workers): void {
    const unread = workers.current.filter((pid) => !this.collector.isFollowing(pid));
    if (unread.length === 0 || this.closed) return;
    for (const pid of unread)
      void this.collector
        .follow(pid)
        .then(() => this.watchOldWorkers())
        .catch((error: Error) =>
          this.log?.warn({ worker: pid, error: error.message }, "cannot read a new HAProxy worker's log"),
        );
  }

  /**
   * An older worker logs until its last client connection is gone; then its log stream is closed
   * (HAProxy flushes the ring first), which lets the worker exit.
   */
  private watchOldWorkers(): void {
    if (this.oldWorkerTimer || this.closed) return;
    this.oldWorkerTimer = setTimeout(() => {
      this.oldWorkerTimer = undefined;
      void this.finishOldWorkers().then((left) => {
        if (left) this.watchOldWorkers();
      });
    }, OLD_WORKER_POLL_MS);
    this.oldWorkerTimer.unref();
  }

  /** Closes the log of each older worker that has no client connection left; true while some remain. */
  private async finishOldWorkers(): Promise<boolean> {
    const workers = await this.workers().catch(() => undefined);
    if (!workers || this.closed) return !this.closed;
    const current = new Set(workers.current);
    let left = false;
    for (const pid of this.collector.following()) {
      if (current.has(pid)) continue;
      const csv = await runtimeCommand(this.masterSocket, `@!${pid} show stat -1 1 -1`).catch(() => "");
      if (csv === "") continue; // exited: its stream closes by itself
      if (frontendSessions(csv) === 0) void this.collector.finish(pid);
      else left = true;
    }
    return left;
  }

  private async workers(): Promise<Workers> {
    this.knownWorkers = parseShowProc(await runtimeCommand(this.masterSocket, "show proc"));
    return this.knownWorkers;
  }

  /**
   * Routes `/assets/<name>/` of newly published bundle names to the origin: the map file (read at
   * each reload) and, without a reload, the running workers' copy of it. Returns the names added.
   */
  async addAssetNames(names: readonly string[]): Promise<string[]> {
    const added = names.filter((n) => !this.assetNames.has(n));
    if (added.length === 0 || !this.paths.assetsSocket) return [];
    for (const name of added) this.assetNames.add(name);
    this.writeAssetsMap();
    const commands = added.map((n) => `add map ${join(this.dir, ASSETS_MAP)} /assets/${n}/ 1`);
    const workers = await this.workers();
    for (const pid of [...workers.current, ...workers.old])
      await runtimeCommand(this.masterSocket, onWorker(pid, commands)).catch(() => "");
    return added;
  }

  private writeAssetsMap(): void {
    const lines = [...this.assetNames].map((n) => `/assets/${n}/ 1\n`);
    atomicWrite(join(this.dir, ASSETS_MAP), lines.join(""));
  }

  private writeFiles(plan: ConfigPlan): void {
    for (const [name, content] of Object.entries(plan.maps)) atomicWrite(join(this.dir, name), content);
    if (this.paths.assetsSocket) this.writeAssetsMap();
    const candidate = join(this.dir, "haproxy.cfg.next");
    atomicWrite(candidate, `${plan.text}\n`);
    const check = spawnSync(this.binary, ["-c", "-q", "-f", candidate], { encoding: "utf8" });
    if (check.status !== 0)
      throw new SlipwayError(
        "SLIPWAY_INVALID_ARGUMENT",
        `HAProxy rejected the configuration made from the route table: ${(check.stderr || check.stdout).trim()}`,
      );
    renameSync(candidate, join(this.dir, "haproxy.cfg"));
  }

  /** The configuration and server maps of a plan applied at run time (same structure: checked before). */
  private writeRunning(plan: ConfigPlan): void {
    for (const name of [SERVERS_MAP, PREVIEW_MAP]) atomicWrite(join(this.dir, name), plan.maps[name] ?? "");
    atomicWrite(join(this.dir, "haproxy.cfg"), `${plan.text}\n`);
  }

  private async spawnMaster(): Promise<void> {
    const out = openSync(join(this.dir, "haproxy.log"), "a");
    const child = spawn(
      this.binary,
      ["-W", "-S", `${this.masterSocket},mode,600`, "-f", join(this.dir, "haproxy.cfg")],
      { detached: true, stdio: ["ignore", out, out] },
    );
    closeSync(out);
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new SlipwayError("SLIPWAY_UNAVAILABLE", "HAProxy could not be started");
    writeFileSync(join(this.dir, "master.pid"), `${pid}\n`);
    for (let waited = 0; waited < RELOAD_TIMEOUT_MS; waited += WAIT_STEP_MS) {
      if (!isAlive(pid)) break;
      const workers = await this.workers().catch(() => undefined);
      if (workers && workers.current.length > 0) {
        await this.collector.follow(workers.current[0]!);
        return;
      }
      await sleep(WAIT_STEP_MS);
    }
    throw new SlipwayError(
      "SLIPWAY_UNAVAILABLE",
      `HAProxy did not start: ${tail(join(this.dir, "haproxy.log"))}`,
    );
  }

  /** Seamless reload: the master starts a worker on the new config; the old one finishes its requests. */
  private async reload(): Promise<void> {
    const before = await this.workers();
    const known = new Set([...before.current, ...before.old]);
    await runtimeCommand(this.masterSocket, "reload").catch(() => "");
    for (let waited = 0; waited < RELOAD_TIMEOUT_MS; waited += WAIT_STEP_MS) {
      await sleep(WAIT_STEP_MS);
      const now = await this.workers().catch(() => undefined);
      if (!now) continue;
      if (now.failedReloads > before.failedReloads)
        throw new SlipwayError(
          "SLIPWAY_UNAVAILABLE",
          `HAProxy failed to reload: ${tail(join(this.dir, "haproxy.log"))}`,
        );
      const fresh = now.current.find((pid) => !known.has(pid));
      if (fresh !== undefined) {
        // Its ring holds every line since it started: nothing is missed while we connect.
        await this.collector.follow(fresh);
        this.watchOldWorkers();
        return;
      }
    }
    throw new SlipwayError("SLIPWAY_UNAVAILABLE", "HAProxy did not finish reloading in time");
  }
}

/** Client connections open on the frontends of a `show stat -1 1 -1` answer (FRONTEND rows). */
function frontendSessions(csv: string): number {
  const lines = csv.split("\n");
  const header = lines[0]?.replace(/^# /, "").split(",") ?? [];
  const scur = header.indexOf("scur");
  let sessions = 0;
  for (const line of lines.slice(1)) {
    const f = line.split(",");
    // GLOBAL is the stats socket, where our own log stream is connected.
    if (f[1] === "FRONTEND" && f[0] !== "GLOBAL") sessions += Number(f[scur] ?? 0) || 0;
  }
  return sessions;
}

/** A map file's "key value" lines. */
function mapEntries(text: string | undefined): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of (text ?? "").split("\n")) {
    const at = line.indexOf(" ");
    if (at > 0) entries.set(line.slice(0, at), line.slice(at + 1));
  }
  return entries;
}

/**
 * Commands for one worker over the master CLI, by system pid or "current" (`@1`: the worker of the
 * newest generation, whoever reloaded); a prefix holds for one command only.
 */
function onWorker(pid: number | "current" | undefined, commands: string[]): string {
  const to = pid === "current" ? "@1" : `@!${pid}`;
  return commands.map((c) => `${to} ${c}`).join(";");
}

function atomicWrite(file: string, content: string): void {
  writeFileSync(`${file}.tmp`, content, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

function loadTable(file: string): { table: RouteTable; listen?: string } {
  if (!existsSync(file)) return { table: EMPTY };
  try {
    const saved = JSON.parse(readFileSync(file, "utf8")) as { listen?: string; table?: RouteTable };
    if (!saved.table || typeof saved.table.generation !== "number" || !Array.isArray(saved.table.routes))
      throw new Error("no route table in it");
    return { table: saved.table, ...(saved.listen ? { listen: saved.listen } : {}) };
  } catch (error) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `${file}: unreadable saved route table (${(error as Error).message})`,
    );
  }
}

/** "host:0" → a free port on host (HAProxy cannot say which port it bound itself). */
async function resolveListen(listen: string): Promise<string> {
  const at = listen.lastIndexOf(":");
  const host = listen.slice(0, at).replace(/^\[|\]$/g, "") || "127.0.0.1";
  const port = Number(listen.slice(at + 1));
  if (at < 0 || !Number.isInteger(port) || port < 0 || port > 65_535)
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `--listen ${listen}: expected host:port`);
  if (port !== 0) return listen;
  const free = await new Promise<number>((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => done(typeof address === "object" && address ? address.port : 0));
    });
  });
  return `${host.includes(":") ? `[${host}]` : host}:${free}`;
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-5).join(" | ");
  } catch {
    return "(no output)";
  }
}
