import cluster, { type Worker } from "node:cluster";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import http from "node:http";
import { join, resolve } from "node:path";
import { createLogger, type Logger } from "../../log.js";
import { createAdminServer, type ProxyControl } from "../admin-server.js";
import { resolveAdminToken } from "../admin-token.js";
import { DataPlane } from "./data-plane.js";
import { handleHttp, handleUpgrade } from "./forward.js";
import {
  formatListenAddress,
  listenError,
  parseListenAddress,
  type ListenAddress,
} from "../listen-address.js";
import type { RevisionStats, RouteTable } from "../../core/traffic/index.js";
import { loadRoutes } from "../route-store.js";
import { PROXY_INFO_FILE, type ProxyInfo } from "../info.js";
import { renderMetrics } from "../metrics-text.js";
import { mergeStats } from "./stats.js";
import { createAssetOrigin, type AssetOrigin } from "../../assets/origin.js";

export interface ProxyOptions {
  listen: string;
  admin: string;
  stateDir: string;
  /** Worker processes; 1 (the default) routes in the same process as the admin API. */
  workers?: number;
  /** Where published asset bundles are (served under /assets/); default `<stateDir>/../assets`. */
  assetsDir?: string;
  log?: Logger;
}

/** The assets directory a proxy serves: the data directory's `assets/` beside `proxy/`. */
export const assetsDirOf = (opts: { stateDir: string; assetsDir?: string }): string =>
  resolve(opts.assetsDir ?? join(resolve(opts.stateDir), "..", "assets"));

export interface RunningProxy {
  /** Traffic listener, "host:port". */
  listen: string;
  /** Admin API URL for ProxyAdminClient. */
  adminUrl: string;
  token: string;
  close(): Promise<void>;
}

/** Messages between the cluster primary (admin API) and its workers (traffic). */
type ToWorker =
  { t: "table"; seq: number; table: RouteTable } | { t: "stats"; seq: number } | { t: "shutdown" };
type ToPrimary =
  | { t: "hello" }
  | { t: "listening"; address: string }
  | { t: "applied"; seq: number }
  | { t: "stats"; seq: number; revisions: RevisionStats[]; unrouted: number };

const SHUTDOWN_GRACE_MS = 5_000;
const WORKER_REPLY_TIMEOUT_MS = 5_000;

function createTrafficServer(plane: DataPlane, assets: AssetOrigin): http.Server {
  // Published bundles are served here, before routing; any other path goes to the apps.
  const server = http.createServer((req, res) => {
    if (!assets.handle(req, res)) handleHttp(plane, req, res);
  });
  server.on("upgrade", (req: http.IncomingMessage, socket, head: Buffer) =>
    handleUpgrade(plane, req, socket, head),
  );
  return server;
}

function listenOn(server: http.Server, address: ListenAddress): Promise<string> {
  return new Promise((done, fail) => {
    server.once("error", (error) => fail(listenError("--listen", address, error)));
    const bound = () => {
      server.removeAllListeners("error");
      const info = server.address();
      done(
        address.kind === "tcp" && info && typeof info === "object"
          ? formatListenAddress({ ...address, port: info.port })
          : formatListenAddress(address),
      );
    };
    if (address.kind === "unix") server.listen(address.path, bound);
    else server.listen(address.port, address.host, bound);
  });
}

/** Stops accepting, lets running requests finish (bounded), then resolves. */
function closeGracefully(server: http.Server): Promise<void> {
  return new Promise((done) => {
    const force = setTimeout(() => {
      server.closeAllConnections();
      done();
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      done();
    });
    server.closeIdleConnections();
  });
}

/**
 * The proxy in one process: traffic listener and admin API share the event loop. Used by
 * `slipway proxy --workers 1` and directly by tests.
 */
export async function startProxy(opts: ProxyOptions): Promise<RunningProxy> {
  const stateDir = resolve(opts.stateDir);
  // `slipway proxy --state-dir .slipway/proxy` in a fresh project: the folder is ours to create.
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const log = opts.log ?? createLogger("slipway-proxy");
  const token = resolveAdminToken(stateDir);
  const plane = new DataPlane(log);
  plane.apply(loadRoutes(stateDir));
  const traffic = createTrafficServer(plane, createAssetOrigin(assetsDirOf(opts)));
  const listen = await listenOn(traffic, parseListenAddress(opts.listen));
  const control: ProxyControl = {
    current: () => plane.table,
    apply: (table) => {
      plane.apply(table);
      return Promise.resolve();
    },
    stats: () => Promise.resolve(plane.stats()),
    metrics: () =>
      Promise.resolve(
        renderMetrics(plane.stats(), { generation: plane.table.generation, unrouted: plane.unrouted }),
      ),
    listenAddress: () => listen,
  };
  const admin = createAdminServer({ token, stateDir, control, log });
  const adminAddress = await admin.listen(opts.admin);
  return {
    listen,
    adminUrl: adminUrl(adminAddress),
    token,
    async close() {
      await Promise.all([admin.close(), closeGracefully(traffic)]);
      plane.close();
    },
  };
}

function adminUrl(address: ListenAddress): string {
  return address.kind === "unix" ? `unix:${address.path}` : `http://${formatListenAddress(address)}`;
}

/**
 * `slipway proxy`: runs until SIGTERM/SIGINT. With --workers N > 1 the primary keeps the admin
 * API and the route table and N cluster workers route traffic; every table swap is acknowledged by
 * all workers before the admin API answers.
 */
export async function runProxyProcess(opts: ProxyOptions): Promise<void> {
  if (cluster.isWorker) return runWorker(opts);
  const stateDir = resolve(opts.stateDir);
  // `slipway proxy --state-dir .slipway/proxy` in a fresh project: the folder is ours to create.
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const log = opts.log ?? createLogger("slipway-proxy");
  const workers = Math.max(1, opts.workers ?? 1);
  const running =
    workers > 1
      ? await startPrimary({ ...opts, stateDir, log }, workers)
      : await startProxy({ ...opts, stateDir, log });
  writeInfo(stateDir, {
    pid: process.pid,
    listen: running.listen,
    adminUrl: running.adminUrl,
    workers,
    dataPlane: "builtin",
    startedAt: new Date().toISOString(),
  });
  log.info({ listen: running.listen, admin: running.adminUrl, workers }, "slipway proxy ready");
  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      log.info({ signal }, "shutting down");
      running.close().then(done, done);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}

function writeInfo(stateDir: string, info: ProxyInfo): void {
  const file = join(stateDir, PROXY_INFO_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

async function startPrimary(
  opts: ProxyOptions & { stateDir: string; log: Logger },
  count: number,
): Promise<RunningProxy> {
  const { stateDir, log } = opts;
  const token = resolveAdminToken(stateDir);
  let table = loadRoutes(stateDir);
  let seq = 0;
  let shuttingDown = false;
  let listen = "";
  const live = new Set<Worker>();
  type Pending = { waiting: Set<Worker>; replies: ToPrimary[]; done: () => void };
  const pending = new Map<number, Pending>();

  const settle = (id: number, worker: Worker, reply?: ToPrimary) => {
    const entry = pending.get(id);
    if (!entry || !entry.waiting.delete(worker)) return;
    if (reply) entry.replies.push(reply);
    if (entry.waiting.size === 0) entry.done();
  };

  /** Sends a request to every live worker and gathers their replies (bounded in time). */
  const broadcast = (make: (seq: number) => ToWorker): Promise<ToPrimary[]> => {
    const id = ++seq;
    return new Promise((done) => {
      const entry: Pending = { waiting: new Set(live), replies: [], done: () => undefined };
      const timer = setTimeout(() => {
        log.warn({ missing: entry.waiting.size }, "workers did not answer in time");
        entry.done();
      }, WORKER_REPLY_TIMEOUT_MS);
      entry.done = () => {
        clearTimeout(timer);
        pending.delete(id);
        done(entry.replies);
      };
      pending.set(id, entry);
      if (entry.waiting.size === 0) return entry.done();
      for (const worker of live) worker.send(make(id));
    });
  };

  const fork = (): Promise<string> =>
    new Promise((ready, failed) => {
      const worker = cluster.fork({ SLIPWAY_PROXY_WORKER: "1" });
      worker.on("message", (message: ToPrimary) => {
        switch (message.t) {
          case "hello":
            // The worker routes with the current table before it takes its first connection.
            worker.send({ t: "table", seq: 0, table } satisfies ToWorker);
            return;
          case "listening":
            live.add(worker);
            ready(message.address);
            return;
          case "applied":
          case "stats":
            return settle(message.seq, worker, message);
          default: {
            const unreachable: never = message;
            return unreachable;
          }
        }
      });
      worker.once("exit", (code, signal) => {
        live.delete(worker);
        for (const id of pending.keys()) settle(id, worker);
        failed(new Error(`proxy worker exited (${code ?? signal}) before listening`));
        if (shuttingDown) return;
        log.error({ code, signal }, "proxy worker died; starting a new one");
        setTimeout(
          () =>
            void fork().catch((error: unknown) => log.error({ err: error }, "could not restart a worker")),
          200,
        ).unref();
      });
    });

  const addresses = await Promise.all(Array.from({ length: count }, fork));
  listen = addresses[0] ?? "";

  const gatherStats = async () => {
    const replies = await broadcast((id) => ({ t: "stats", seq: id }));
    const lists: RevisionStats[][] = [];
    let unrouted = 0;
    for (const reply of replies) {
      if (reply.t !== "stats") continue;
      lists.push(reply.revisions);
      unrouted += reply.unrouted;
    }
    return { revisions: mergeStats(lists), unrouted };
  };

  const control: ProxyControl = {
    current: () => table,
    apply: async (next) => {
      table = next;
      await broadcast((id) => ({ t: "table", seq: id, table: next }));
    },
    stats: async () => (await gatherStats()).revisions,
    metrics: async () => {
      const { revisions, unrouted } = await gatherStats();
      return renderMetrics(revisions, { generation: table.generation, unrouted });
    },
    listenAddress: () => listen,
  };
  const admin = createAdminServer({ token, stateDir, control, log });
  const adminAddress = await admin.listen(opts.admin);

  return {
    listen,
    adminUrl: adminUrl(adminAddress),
    token,
    async close() {
      shuttingDown = true;
      await admin.close();
      const exits = [...live].map(
        (worker) =>
          new Promise<void>((done) => (worker.isDead() ? done() : worker.once("exit", () => done()))),
      );
      for (const worker of live) worker.send({ t: "shutdown" } satisfies ToWorker);
      await Promise.race([
        Promise.all(exits),
        new Promise((done) => setTimeout(done, SHUTDOWN_GRACE_MS + 1_000).unref()),
      ]);
      for (const worker of live) if (!worker.isDead()) worker.kill("SIGKILL");
    },
  };
}

/** A cluster worker: routes traffic with the table its primary sends. */
async function runWorker(opts: ProxyOptions): Promise<void> {
  const log = opts.log ?? createLogger("slipway-proxy-worker");
  const plane = new DataPlane(log);
  const traffic = createTrafficServer(plane, createAssetOrigin(assetsDirOf(opts)));
  const send = (message: ToPrimary) => process.send?.(message);
  let listening = false;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void closeGracefully(traffic).then(() => {
      plane.close();
      process.exit(0);
    });
  };
  process.on("message", (message: ToWorker) => {
    switch (message.t) {
      case "table":
        plane.apply(message.table);
        if (!listening) {
          listening = true;
          listenOn(traffic, parseListenAddress(opts.listen)).then(
            (address) => send({ t: "listening", address }),
            (error: unknown) => {
              log.error({ err: error }, (error as Error).message);
              process.exit(1);
            },
          );
        } else send({ t: "applied", seq: message.seq });
        return;
      case "stats":
        send({ t: "stats", seq: message.seq, revisions: plane.stats(), unrouted: plane.unrouted });
        return;
      case "shutdown":
        return stop();
      default: {
        const unreachable: never = message;
        return unreachable;
      }
    }
  });
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  // Messages sent before this listener existed would be lost, so the primary waits for this.
  send({ t: "hello" });
  // Without its primary there is nobody to steer this worker: go away.
  process.once("disconnect", stop);
  await new Promise<never>(() => undefined);
}
