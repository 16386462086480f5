import { renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createLogger } from "../../log.js";
import { createAdminServer, type ProxyControl } from "../admin-server.js";
import { resolveAdminToken } from "../admin-token.js";
import { PROXY_INFO_FILE, type ProxyInfo } from "../info.js";
import { formatListenAddress, type ListenAddress } from "../listen-address.js";
import { renderMetrics } from "../metrics-text.js";
import { HaproxyDataPlane } from "./data-plane.js";
import type { Logger } from "../../log.js";

export interface HaproxyProxyOptions {
  listen: string;
  admin: string;
  stateDir: string;
  /** HAProxy worker threads (nbthread). */
  threads?: number;
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
  const plane = await HaproxyDataPlane.start({
    stateDir,
    listen: opts.listen,
    log,
    ...(opts.threads ? { threads: opts.threads } : {}),
  });
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
