import { pino } from "pino";
import { SlipwayError } from "../core/errors.js";
import type { Logger } from "../log.js";
import { ProxyAdminClient, type ProxyHealth } from "./admin-client.js";
import { resolveAdminToken } from "./admin-token.js";
import type { DataPlaneObservation } from "../core/heal/reconcile.js";
import type { RevisionStats, RouteTable } from "../core/traffic/index.js";
import type { DataPlaneAdmin, DataPlaneKeeper } from "./port.js";
import { isAlive, readProxyInfo, spawnProxy, type ProxyInfo } from "./spawn.js";

/** What the control plane sees of its proxy. */
export type ProxyObservation = DataPlaneObservation;

export interface ProxySupervisorOptions {
  /** The proxy's state directory: proxy.json, routes.json, admin-token. */
  stateDir: string;
  logger?: Logger;
  /** Admin calls give up after this long, so a hung proxy cannot stall the control loop. */
  timeoutMs?: number;
  /** First wait after a failed restart; it doubles up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export const PROXY_SUPERVISOR_DEFAULTS = {
  timeoutMs: 5_000,
  backoffMs: 1_000,
  maxBackoffMs: 30_000,
} as const;

/**
 * The control plane's link to its proxy. Every admin call goes to the admin URL that
 * `<stateDir>/proxy.json` names NOW — a restarted proxy (by us, by `slipway up`, by hand) may listen
 * on another admin port, and a client kept from the start would call a dead port forever. It also
 * restarts a proxy whose process is gone, on the same traffic address and state directory, so the
 * new one loads the persisted table and keeps the traffic URL.
 *
 * @example
 * const proxy = new ProxySupervisor({ stateDir: ".slipway/proxy" });
 * if ((await proxy.observe()).state === "down") await proxy.restart();
 * await proxy.applyRoutes(table);
 */
export class ProxySupervisor implements DataPlaneAdmin, DataPlaneKeeper {
  private readonly stateDir: string;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private client: { url: string; admin: ProxyAdminClient } | undefined;
  /** The last proxy.json seen: what a restart reuses (traffic address, workers) when the file is gone. */
  private lastInfo: ProxyInfo | undefined;
  private failedRestarts = 0;
  private nextRestartAt = 0;

  constructor(options: ProxySupervisorOptions) {
    this.stateDir = options.stateDir;
    this.log = options.logger ?? pino({ enabled: false });
    this.timeoutMs = options.timeoutMs ?? PROXY_SUPERVISOR_DEFAULTS.timeoutMs;
    this.backoffMs = options.backoffMs ?? PROXY_SUPERVISOR_DEFAULTS.backoffMs;
    this.maxBackoffMs = options.maxBackoffMs ?? PROXY_SUPERVISOR_DEFAULTS.maxBackoffMs;
  }

  applyRoutes(table: RouteTable): Promise<{ generation: number }> {
    return this.admin().applyRoutes(table);
  }

  routes(): Promise<RouteTable> {
    return this.admin().routes();
  }

  stats(): Promise<RevisionStats[]> {
    return this.admin().stats();
  }

  health(): Promise<ProxyHealth> {
    return this.admin().health();
  }

  /** Up with the generation of the table it serves, or down with why (and whether its process lives). */
  async observe(): Promise<ProxyObservation> {
    const info = readProxyInfo(this.stateDir);
    if (!info) {
      return {
        state: "down",
        reason: `no proxy.json in ${this.stateDir}`,
        processAlive: false,
      };
    }
    try {
      const health = await this.admin().health();
      return { state: "up", generation: health.generation };
    } catch (error) {
      const alive = isAlive(info.pid);
      const why = error instanceof Error ? error.message : String(error);
      return {
        state: "down",
        reason: alive ? why : `proxy process ${info.pid} is not running (${why})`,
        processAlive: alive,
      };
    }
  }

  /**
   * Start a new proxy on the last traffic address with the same state directory (it loads
   * routes.json). Failed attempts back off (1 s doubling to 30 s): a port taken by someone else
   * must not turn into a spawn loop. Returns false when it did not (or could not yet) restart.
   */
  async restart(now = Date.now()): Promise<boolean> {
    if (now < this.nextRestartAt) return false;
    const info = readProxyInfo(this.stateDir) ?? this.lastInfo;
    if (!info) {
      throw new SlipwayError(
        "SLIPWAY_UNAVAILABLE",
        `cannot restart the proxy: no proxy.json in ${this.stateDir} says where it listened`,
      );
    }
    if (isAlive(info.pid)) return false;
    try {
      // A fixed admin port could be taken meanwhile: a new one is fine, proxy.json names it.
      const admin = info.adminUrl.startsWith("unix:") ? info.adminUrl.slice("unix:".length) : "127.0.0.1:0";
      const started = await spawnProxy({
        listen: info.listen,
        admin,
        stateDir: this.stateDir,
        workers: info.workers,
        ...(info.dataPlane ? { dataPlane: info.dataPlane } : {}),
        // A cold start on a loaded machine can take well over the usual 15 s: better late than
        // killed and retried from scratch.
        readyTimeoutMs: 60_000,
      });
      await started.client.close(); // calls go through admin(), which follows proxy.json
      this.failedRestarts = 0;
      this.nextRestartAt = 0;
      this.log.warn({ pid: started.pid, listen: info.listen, admin: started.adminUrl }, "proxy restarted");
      return true;
    } catch (error) {
      this.failedRestarts += 1;
      const wait = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (this.failedRestarts - 1));
      this.nextRestartAt = Date.now() + wait;
      this.log.error({ err: error, retryInMs: wait }, "could not restart the proxy");
      return false;
    }
  }

  async close(): Promise<void> {
    await this.client?.admin.close();
    this.client = undefined;
  }

  /** The client for the admin URL proxy.json names now (re-read on every call: it is a small file). */
  private admin(): ProxyAdminClient {
    const info = readProxyInfo(this.stateDir);
    if (info) this.lastInfo = info;
    const url = info?.adminUrl ?? this.client?.url;
    if (!url) {
      throw new SlipwayError(
        "SLIPWAY_UNAVAILABLE",
        `no proxy.json in ${this.stateDir}: is the proxy running?`,
      );
    }
    if (this.client?.url !== url) {
      const old = this.client;
      void old?.admin.close().catch(() => undefined);
      this.client = {
        url,
        admin: new ProxyAdminClient({
          url,
          token: resolveAdminToken(this.stateDir),
          timeoutMs: this.timeoutMs,
        }),
      };
      if (old) this.log.info({ admin: url }, "proxy admin URL changed; following proxy.json");
    }
    return this.client.admin;
  }
}
