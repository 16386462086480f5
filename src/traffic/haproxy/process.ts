import { mkdirSync, readdirSync, renameSync, rmSync, watch, writeFileSync } from "node:fs";
import http from "node:http";
import { join, resolve } from "node:path";
import { createLogger } from "../../log.js";
import { createAdminServer, type ProxyControl } from "../admin-server.js";
import { resolveAdminToken } from "../admin-token.js";
import { PROXY_INFO_FILE, type ProxyInfo } from "../info.js";
import { formatListenAddress, type ListenAddress } from "../listen-address.js";
import { renderMetrics } from "../metrics-text.js";
import { HaproxyDataPlane } from "./data-plane.js";
import type { Logger } from "../../log.js";
import { createAssetOrigin } from "../../assets/origin.js";
import { ASSET_NAME } from "../../core/assets/names.js";

export interface HaproxyProxyOptions {
  listen: string;
  admin: string;
  stateDir: string;
  /** HAProxy worker threads (nbthread). */
  threads?: number;
  /** Where published asset bundles are (served under /assets/); default `<stateDir>/../assets`. */
  assetsDir?: string;
  log?: Logger;
}

export interface RunningHaproxyProxy {
  listen: string;
  adminUrl: string;
  token: string;
  plane: HaproxyDataPlane;
  /** Stops the admin API; `stopHaproxy` also stops HAProxy (else it keeps serving for the next one). */
  close(opts?: { stopHaproxy?: boolean }): Promise<void>;
}

/**
 * `slipway proxy --data-plane haproxy`: the same authenticated admin API as the built-in proxy
 * (the control plane cannot tell them apart), in front of HAProxy, which this process starts or
 * adopts and which carries the traffic.
 */
export async function startHaproxyProxy(opts: HaproxyProxyOptions): Promise<RunningHaproxyProxy> {
  const stateDir = resolve(opts.stateDir);
  const log = opts.log ?? createLogger("slipway-proxy-haproxy");
  const token = resolveAdminToken(stateDir);
  const assetsRoot = resolve(opts.assetsDir ?? join(stateDir, "..", "assets"));
  const origin = await startAssetOrigin(assetsRoot, join(stateDir, "haproxy", "assets.sock"));
  const plane = await HaproxyDataPlane.start({
    stateDir,
    listen: opts.listen,
    log,
    assetsSocket: origin.socket,
    assetNames: publishedNames(assetsRoot),
    ...(opts.threads ? { threads: opts.threads } : {}),
  }).catch((error: unknown) => {
    origin.close();
    throw error;
  });
  const names = watchPublishedNames(assetsRoot, plane, log);
  const control: ProxyControl = {
    current: () => plane.current(),
    apply: async (table) => {
      await plane.applyRoutes(table);
    },
    stats: () => plane.stats(),
    metrics: async () =>
      renderMetrics(await plane.stats(), {
        generation: plane.current().generation,
        unrouted: plane.unroutedCount(),
      }),
    listenAddress: () => plane.listenAddress(),
  };
  const admin = createAdminServer({ token, stateDir, control, log });
  const adminAddress = await admin.listen(opts.admin).catch((error: unknown) => {
    plane.detach();
    names.close();
    origin.close();
    throw error;
  });
  return {
    listen: plane.listenAddress(),
    adminUrl: adminUrl(adminAddress),
    token,
    plane,
    async close(closeOpts) {
      await admin.close();
      if (closeOpts?.stopHaproxy) await plane.close();
      else plane.detach();
      names.close();
      origin.close();
    },
  };
}

/** The bundle names published under `root`: a name's directory appears at its first publish. */
function publishedNames(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && ASSET_NAME.test(e.name))
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/**
 * Routes names published after start to the origin, without a reload: the assets directory is
 * watched (inotify), and each change re-lists its names. Only published names go to the origin,
 * so an app's own `/assets/…` URLs stay the app's, as with the built-in proxy.
 */
function watchPublishedNames(root: string, plane: HaproxyDataPlane, log: Logger): { close(): void } {
  mkdirSync(root, { recursive: true });
  let queue = Promise.resolve();
  const sync = () => {
    queue = queue
      .then(() => plane.addAssetNames(publishedNames(root)))
      .then(
        (added) => {
          if (added.length > 0) log.info({ added }, "asset bundle names routed to the origin");
        },
        (error: Error) => log.warn({ error: error.message }, "cannot route new asset bundle names"),
      );
  };
  const watcher = watch(root, sync);
  watcher.on("error", (error) => log.warn({ error: error.message }, "cannot watch the assets directory"));
  // A name published between the first listing and the watch's start.
  sync();
  return { close: () => watcher.close() };
}

/**
 * The static asset origin HAProxy's `slipway_assets` backend forwards to: the built-in proxy's
 * asset handler on a unix socket, in this (supervising) process. HAProxy does not serve files
 * itself; bundles stay immutable on disk and the alias table is one atomically replaced file.
 */
async function startAssetOrigin(root: string, socket: string): Promise<{ socket: string; close(): void }> {
  mkdirSync(join(socket, ".."), { recursive: true, mode: 0o700 });
  rmSync(socket, { force: true });
  const assets = createAssetOrigin(root);
  const server = http.createServer((req, res) => {
    if (assets.handle(req, res)) return;
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
    res.end("no published asset bundle at this path\n");
  });
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(socket, () => done());
  });
  return {
    socket,
    close() {
      server.close();
      server.closeAllConnections();
    },
  };
}

function adminUrl(address: ListenAddress): string {
  return address.kind === "unix" ? `unix:${address.path}` : `http://${formatListenAddress(address)}`;
}

/** Runs until SIGTERM/SIGINT, which stop HAProxy too (a crash of this process does not). */
export async function runHaproxyProcess(opts: HaproxyProxyOptions): Promise<void> {
  const stateDir = resolve(opts.stateDir);
  const log = opts.log ?? createLogger("slipway-proxy-haproxy");
  const running = await startHaproxyProxy({ ...opts, stateDir, log });
  const info: ProxyInfo = {
    pid: process.pid,
    listen: running.listen,
    adminUrl: running.adminUrl,
    workers: opts.threads ?? 2,
    dataPlane: "haproxy",
    startedAt: new Date().toISOString(),
  };
  const file = join(stateDir, PROXY_INFO_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  log.info({ listen: running.listen, admin: running.adminUrl }, "slipway proxy (haproxy) ready");
  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      log.info({ signal }, "shutting down HAProxy");
      running.close({ stopHaproxy: true }).then(done, done);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}
