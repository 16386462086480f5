import { createServer, type Server } from "node:http";
import { ReleasePolicyGate } from "../evidence/policy-gate.js";
import { rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { CONFIG_DEFAULTS } from "../core/config/defaults.js";
import type { RuntimeConfig } from "../core/config/types.js";
import { DEFAULTS } from "../core/defaults.js";
import { AssetService, assetsRootOf } from "../assets/service.js";
import { SlipwayError } from "../core/errors.js";
import { createLogger, type Logger } from "../log.js";
import { ProxySupervisor } from "../traffic/supervisor.js";
import { readProxyInfo } from "../traffic/spawn.js";
import { RolloutController } from "../rollouts/controller.js";
import { ReleaseBuilder, releaseDirFor } from "../releases/index.js";
import { ProjectReleaseSource } from "../rollouts/release-source.js";
import { ProxyTrafficRouter } from "../traffic/router.js";
import type { DataPlaneSet } from "../traffic/data-plane-set.js";
import { dataPlanesFromConfig } from "../traffic/data-planes-from-config.js";
import { PREVIEW_KEY_FILE, PreviewKeys, previewKeyLookup } from "../rollouts/preview-keys.js";
import type { DataPlaneKind } from "../core/traffic/index.js";
import { loadProjectConfig, type LoadedProjectConfig } from "../config/load.js";
import { createRuntime } from "../runtimes/index.js";
import { makePrivate } from "../store/private-files.js";
import { isPostgresUrl, openLeaderParts, openStore } from "../store/index.js";
import { QueueDispatch } from "../runners/queue-dispatch.js";
import { StandbyRuntime } from "../runtimes/standby.js";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { Leadership } from "./leadership.js";
import { forLeader, forwardToLeader } from "./forward.js";
import type { EventHub } from "./events-hub.js";
import { ensureAdminToken } from "./admin-token.js";
import { createApp } from "./app.js";
import type { ServerInfo } from "./app-context.js";
import { createHttpHandler } from "./http-api.js";
import { withRequestMetrics } from "./metrics/app.js";
import { sweepAbandonedRuns } from "../pipelines/runs/run-owner.js";
import { killOrphans } from "../pipelines/runs/tracked-processes.js";
import { attachRunsAndNotifier } from "./runs-and-notifier.js";
import { defaultWebRoot } from "./static.js";

import { SERVER_INFO_FILE } from "./server-info-file.js";
import { startForkServer } from "../fork-server.js";

export { SERVER_INFO_FILE };

export interface ServeOptions {
  /** Project directory (holds slipway.yaml). */
  dir: string;
  /** Port of the API on 127.0.0.1; 0 = any free port. */
  port: number;
  logger?: Logger;
  tickMs?: number;
  /** Built dashboard directory; default web/dist of this checkout (see defaultWebRoot). */
  webRoot?: string;
  /** Mark the session cookie Secure (the dashboard is reached over https, e.g. behind a TLS proxy). */
  secureCookies?: boolean;
  /** The state database: a store URL (postgres://…) or path; default `<data>/slipway.db`. */
  database?: string;
  /** Refuse to start unless the running proxy is this data plane (`slipway server --data-plane`). */
  dataPlane?: DataPlaneKind;
  /**
   * One of several replicas on one PostgreSQL database (`slipway server --ha`): the leader (lease
   * with fencing) runs the controller and the notifier; every replica serves the API.
   */
  ha?: { leaseMs?: number };
  /**
   * Where workflow jobs run: in this process (default), or `queue`: through a PostgreSQL job queue
   * (pg-boss) to `slipway runner`s on any host. Needs PostgreSQL.
   */
  runners?: "process" | "queue";
  /** Runners' heartbeat and how long a silent one lives (tests shorten them). */
  runnerTimings?: { heartbeatMs?: number; lostAfterMs?: number };
  /** Address the API listens on; default 127.0.0.1 (loopback only). */
  host?: string;
  /** Called when this replica lost its leadership; default: exit the process (code 75). */
  onLeadershipLost?: (reason: string) => void;
}

export interface RunningServer extends ServerInfo {
  controller: RolloutController;
  /** Highly available: whether this replica leads now. Always true for a lone server. */
  leads(): boolean;
  /** The live feed of `GET /api/events`; other parts publish their changes into it. */
  events: EventHub;
  /** `<data>/admin-token`, holding the local admin's API token (mode 0600). */
  adminTokenFile: string;
  /**
   * Stop the API and the controller; the proxy and the instances keep serving, unless
   * `stopInstances` (the demo cleans up after itself).
   */
  close(options?: { stopInstances?: boolean }): Promise<void>;
}

/** Data directory of a project: `<dir>/.slipway`. */
export const dataDirOf = (dir: string) => join(resolve(dir), DEFAULTS.dataDir);

/**
 * `slipway server`: the control plane for a project. Finds the proxy started by `slipway up`
 * (`<data>/proxy/proxy.json`), re-adopts running instances, resumes unfinished rollouts, and serves
 * the HTTP API on loopback. Writes `<data>/server.json` so the CLI finds it without SLIPWAY_URL.
 */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  // The runs' git questions start from a small helper, not from this process (fork-server.ts).
  startForkServer();
  const dir = resolve(options.dir);
  const data = dataDirOf(dir);
  const log = options.logger ?? createLogger("server");
  if (options.runners === "queue" && !isPostgresUrl(options.database ?? "")) {
    throw new SlipwayError(
      "SLIPWAY_UNSUPPORTED",
      "--runners queue needs PostgreSQL: the job queue runners on other hosts take from lives in the " +
        "database, and a SQLite file lives on one host; start with --database postgres://… (docs/scaling.md)",
    );
  }
  makePrivate(data); // owner-only, also for files written before this rule (docs/runtime.md)
  const proxyState = join(data, "proxy");
  const proxyInfo = readProxyInfo(proxyState);
  if (!proxyInfo) {
    throw new SlipwayError(
      "SLIPWAY_UNAVAILABLE",
      `no proxy found for ${dir} (${join(proxyState, "proxy.json")} missing): start one with \`slipway up\``,
    );
  }
  const serving = proxyInfo.dataPlane ?? "builtin";
  if (options.dataPlane && options.dataPlane !== serving) {
    throw new SlipwayError(
      "SLIPWAY_CONFLICT",
      `the proxy for ${dir} (pid ${proxyInfo.pid}) runs the ${serving} data plane, not ${options.dataPlane}: ` +
        `stop it and start the other one with \`slipway up --data-plane ${options.dataPlane}\``,
    );
  }
  // Follows proxy.json (a restarted proxy may have another admin port) and restarts a dead proxy.
  const proxy = new ProxySupervisor({ stateDir: proxyState, logger: log.child({ part: "proxy" }) });
  const seen = await proxy.observe();
  if (seen.state === "down" && !options.ha) {
    if (seen.processAlive || !(await proxy.restart())) {
      throw new SlipwayError("SLIPWAY_UNAVAILABLE", `the proxy for ${dir} is not usable: ${seen.reason}`);
    }
  }

  // Data planes on other hosts (environments.<env>.dataPlanes), read at start like the runtime
  // (before the Store opens: a token reference that is not set stops the start here).
  const planes = dataPlanesAtStart(dir, proxy, log.child({ part: "data-planes" }));

  // The composition root: the one place the Store is opened; everything else is handed its part.
  const location = options.database ?? join(data, DEFAULTS.databaseFile);
  const state = await openStore(location);
  log.info({ store: state.location, migrated: state.migration.applied.length }, "state opened");
  let ha: ReturnType<typeof highlyAvailable> | undefined;
  try {
    ha = options.ha ? highlyAvailable(location, options.ha.leaseMs, log) : undefined;
  } catch (error) {
    await state.close();
    throw error;
  }
  // Highly available: the controller writes through the fenced Store (a deposed leader cannot commit).
  const controlState = ha ? ha.parts.fenced : state;
  const store = controlState.rollouts;
  const runtimeConfig = { runtime: runtimeAtStart(dir, log) };
  const runtimeDeps = { dataDir: data, logger: log.child({ part: "runtime" }) };
  // A follower supervises no instance: the standby sees none until this replica is elected.
  const standby = ha ? new StandbyRuntime() : undefined;
  const runtime = standby ?? createRuntime(runtimeConfig, runtimeDeps);
  const appConfig: { current?: () => LoadedProjectConfig } = {};
  const controller = new RolloutController({
    store,
    runtime,
    router: new ProxyTrafficRouter(
      planes ?? proxy,
      store,
      runtime,
      // The app re-reads slipway.yaml when it changes; before it exists (first sync) read it here.
      previewKeyLookup(new PreviewKeys(join(data, PREVIEW_KEY_FILE)), () =>
        appConfig.current ? appConfig.current() : loadProjectConfig(dir),
      ),
    ),
    dataPlane: proxy,
    // A deploy builds (once) the release of the service's files at the requested ref, so what runs
    // is what was committed, and a version that failed before is retried without rebuilding.
    releases: new ProjectReleaseSource(
      dir,
      releaseDirFor(new ReleaseBuilder({ store: controlState.releases, dataDir: data }), dir),
    ),
    // Every deploy (API, CLI, webhook) is judged against the environment's release policy here.
    policy: new ReleasePolicyGate({
      environments: () => (appConfig.current ? appConfig.current() : loadProjectConfig(dir)).environments,
      evidence: state.evidence,
      releases: state.releases,
      now: Date.now,
    }),
    series: controlState.rolloutSeries,
    logger: log.child({ part: "rollouts" }),
    ...(options.tickMs ? { tickMs: options.tickMs } : {}),
  });
  if (!ha) await controller.start();

  let info: ServerInfo = {
    apiUrl: "",
    proxyUrl: `http://${proxyInfo.listen}`,
    dataPlane: proxyInfo.dataPlane ?? "builtin",
    projectDir: dir,
    ...(ha
      ? {
          replica: () => {
            const leader = ha?.leader();
            return ha?.leads()
              ? { role: "leader" as const, leader: info.apiUrl }
              : { role: "follower" as const, ...(leader ? { leader } : {}) };
          },
        }
      : {}),
  };
  const app = createApp({
    projectDir: dir,
    dataDir: data,
    controller,
    store: state,
    info: () => info,
    logger: log.child({ part: "api" }),
    webRoot: options.webRoot ?? defaultWebRoot(),
    ...(options.secureCookies ? { secureCookies: true } : {}),
  });
  appConfig.current = () => app.config();
  // Workflow runs, webhooks, notifications. Highly available: only the leader's claims send.
  // Jobs run in this process, or go to runners through the PostgreSQL job queue.
  const runnerQueue =
    options.runners === "queue"
      ? await QueueDispatch.start({
          databaseUrl: location,
          ...options.runnerTimings,
          log: log.child({ part: "runners" }),
        })
      : undefined;
  const runs = attachRunsAndNotifier(app, {
    ...(ha ? { claim: (key: string) => ha.claim(key) } : {}),
    ...(runnerQueue ? { runnerQueue } : {}),
  }).runs;
  /** What only the one leader (or a lone server) does besides the controller. */
  const lead = async () => {
    // Runs the previous server process left "running" cannot finish any more: say so.
    await runs
      .markInterrupted()
      .catch((error: unknown) =>
        log.warn({ err: (error as Error).message }, "could not mark interrupted runs"),
      );
    // What their steps left running, which nobody can stop now (their runs' ends never came).
    killOrphans();
    // And those of a `slipway run` in a terminal whose process was killed.
    await sweepAbandonedRuns(data, controlState.runs).catch((error: unknown) =>
      log.warn({ err: (error as Error).message }, "could not mark abandoned runs"),
    );
    runs.startSchedules(); // `on: schedule` crons, in UTC
  };
  if (!ha) await lead();
  // The alias table the data plane serves follows the store (a restored backup, a move cut short).
  await new AssetService({ store: state.assets, root: assetsRootOf(data) }).syncAliasTable({
    onlyIfAny: true,
  });
  const admin = await ensureAdminToken(app.access, data, Date.now());
  if (admin.created) log.info({ file: admin.file }, "created the local admin API token");
  // Also creates the Prometheus metrics now, so rollouts before the first scrape are counted.
  const local = withRequestMetrics(app, createHttpHandler(app));
  // A follower passes changes (and views of the instances) on to the leader.
  const handler: typeof local = ha
    ? (req, res) => {
        const kind = ha.leads() ? undefined : forLeader(req);
        const leader = ha.leader();
        if (kind === undefined || (kind === "view" && !leader)) return local(req, res);
        return forwardToLeader(req, res, leader);
      }
    : local;
  const server: Server = createServer((req, res) => void handler(req, res));
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((ok, fail) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      fail(
        new SlipwayError(
          "SLIPWAY_UNAVAILABLE",
          `cannot listen on ${host}:${options.port}: ${error.code ?? error.message}`,
        ),
      ),
    );
    server.listen(options.port, host, () => ok());
  });
  const { port } = server.address() as AddressInfo;
  const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  info = { ...info, apiUrl: `http://${shown}:${port}` };
  const infoFile = join(data, SERVER_INFO_FILE);
  // The CLI finds the control plane here; with replicas, the leader's (elected below).
  const writeInfo = () =>
    writeFileSync(infoFile, `${JSON.stringify({ ...info, pid: process.pid }, null, 2)}\n`, { mode: 0o600 });
  if (!ha) writeInfo();
  log.info(info, "slipway server listening");
  if (ha) {
    controller.follow(FOLLOW_MS);
    await ha.elect(
      () => info.apiUrl,
      async () => {
        standby?.attach(createRuntime(runtimeConfig, runtimeDeps)); // adopts the running instances
        await controller.start();
        await lead();
        writeInfo();
      },
      options.onLeadershipLost ??
        ((reason) => {
          log.fatal({ reason }, "exiting: a replica that lost its lease must not act (restart it to follow)");
          process.exit(75);
        }),
    );
  }

  return {
    ...info,
    controller,
    events: app.events,
    adminTokenFile: admin.file,
    leads: () => (ha ? ha.leads() : true),
    async close(closeOptions = {}) {
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
      await app.close();
      await controller.stop();
      const led = ha ? ha.leads() : true;
      await ha?.close();
      if (closeOptions.stopInstances) {
        await Promise.all(runtime.revisions().map((revision) => runtime.stop(revision, { graceMs: 2_000 })));
      }
      await runtime.detach();
      await planes?.close();
      await proxy.close();
      await state.close();
      if (led) rmSync(infoFile, { force: true });
    },
  };
}

/** How often a follower reads the audit log for its live feed. */
const FOLLOW_MS = 250;
/** Default lease: a dead leader is replaced within this (plus a quarter of it, the follower's beat). */
export const DEFAULT_LEASE_MS = 5_000;

/** The highly available parts of a replica: its lease, fence and notification claims. */
function highlyAvailable(location: string, leaseMs = DEFAULT_LEASE_MS, log: Logger) {
  const lease = "controller";
  let leadership: Leadership | undefined;
  const parts = openLeaderParts(location, { lease, epoch: () => leadership?.epoch });
  return {
    parts,
    leads: () => leadership?.epoch !== undefined,
    leader: () => leadership?.leader,
    async claim(key: string): Promise<boolean> {
      const epoch = leadership?.epoch;
      return epoch !== undefined && parts.leases.claim(lease, epoch, key);
    },
    async elect(url: () => string, onElected: () => Promise<void>, onLost: (reason: string) => void) {
      leadership = new Leadership({
        leases: parts.leases,
        lease,
        holder: `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`,
        url,
        ttlMs: leaseMs,
        onElected: () => onElected(),
        onLost,
        logger: log.child({ part: "lease" }),
      });
      await leadership.start();
    },
    async close() {
      await leadership?.stop();
      await parts.close();
    },
  };
}

/**
 * The remote data planes slipway.yaml lists, with the local proxy; undefined when none (or the file
 * is not loadable: runtimeAtStart has said so). A token reference that is not set fails the start.
 */
function dataPlanesAtStart(dir: string, local: ProxySupervisor, log: Logger): DataPlaneSet | undefined {
  let environments;
  try {
    environments = loadProjectConfig(dir).environments;
  } catch {
    return undefined;
  }
  return dataPlanesFromConfig({ environments, local, logger: log });
}

/**
 * `runtime:` of slipway.yaml, read once at start. A missing or invalid file must not keep the
 * control plane (and its supervision of running instances) down, as it never did: the default
 * runtime then, with a warning; `slipway config validate` says what is wrong.
 */
function runtimeAtStart(dir: string, log: Logger): RuntimeConfig {
  try {
    return loadProjectConfig(dir).runtime;
  } catch (error) {
    const code = error instanceof SlipwayError ? error.code : "SLIPWAY_INTERNAL";
    log.warn(
      { code, runtime: CONFIG_DEFAULTS.runtime },
      "slipway.yaml not loadable at start; using the default runtime",
    );
    return { kind: CONFIG_DEFAULTS.runtime };
  }
}
