/**
 * An end-to-end world for rollout tests: a generated project (slipway.yaml + a start script that
 * runs the fixture app with per-version fault knobs), a real `slipway proxy` process, a real
 * LocalRuntime and a real store, driven by the real RolloutController. The store is the project's
 * SQLite file, or PostgreSQL when given a database URL or when SLIPWAY_TEST_DATABASE=postgres (then a
 * database of the world's own, dropped by close()).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import { isFinal, type Rollout } from "../../src/core/rollout/types.js";
import type { DataPlaneKind } from "../../src/core/traffic/index.js";
import { spawnProxy, type SpawnedProxy } from "../../src/traffic/admin-client.js";
import { RolloutController } from "../../src/rollouts/controller.js";
import { ProjectReleaseSource } from "../../src/rollouts/release-source.js";
import { ProxyTrafficRouter } from "../../src/traffic/router.js";
import type { DataPlaneAdmin } from "../../src/traffic/port.js";
import { PREVIEW_KEY_FILE, PreviewKeys, previewKeyLookup } from "../../src/rollouts/preview-keys.js";
import { loadProjectConfig } from "../../src/config/load.js";
import { LocalRuntime } from "../../src/runtimes/local/index.js";
import { openStore, type RolloutStore, type Store } from "../../src/store/index.js";
import type { SqliteDatabase } from "../../src/store/sqlite/database.js";
import { SqliteStore } from "../../src/store/sqlite/store.js";
import { testDatabase } from "./test-database.js";

import { projectYaml, START_SCRIPT } from "./project.js";

export {
  FIXTURE_APP,
  projectYaml,
  START_SCRIPT,
  WEB_SERVICE_YAML,
  withoutBaselineTrigger,
} from "./project.js";

export interface World {
  dir: string;
  proxy: SpawnedProxy;
  proxyUrl: string;
  store: RolloutStore;
  /** The whole Store the control plane opened (the API's test server takes it). */
  state: Store;
  controller: RolloutController;
  runtime: LocalRuntime;
  /** Where the state is: a SQLite file's path or a postgres:// URL. */
  database: string;
  /** The SQLite connection, for tests that check what is (not) stored (SQLite worlds only). */
  db: SqliteDatabase;
  /** Restart the control plane (store, runtime, controller) on the same directory. */
  restart(): Promise<void>;
  deploy(version: string): Promise<Rollout>;
  waitFor(id: string, done: (r: Rollout) => boolean, timeoutMs?: number): Promise<Rollout>;
  waitFinal(id: string, timeoutMs?: number): Promise<Rollout>;
  get(path?: string): Promise<{ status: number; version: string | undefined }>;
  close(): Promise<void>;
}

/** Every data plane provider: the end-to-end scenarios run once with each (`describe.each`). */
export const DATA_PLANES: DataPlaneKind[] = ["builtin", "haproxy"];

export async function startWorld(
  faults: Record<string, Record<string, string>>,
  yaml = projectYaml(),
  options: {
    database?: string;
    dataPlane?: DataPlaneKind;
    /** What the router drives instead of the local proxy alone (data planes on several hosts). */
    dataPlanes?: (local: DataPlaneAdmin, dir: string) => DataPlaneAdmin;
  } = {},
): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), "slipway-rollouts-"));
  mkdirSync(join(dir, "web"));
  writeFileSync(join(dir, "slipway.yaml"), yaml);
  writeFileSync(join(dir, "web", "start.mjs"), START_SCRIPT);
  writeFileSync(join(dir, "web", "faults.json"), JSON.stringify(faults));
  const data = join(dir, ".slipway");
  // An explicit URL is the caller's to drop; one chosen by SLIPWAY_TEST_DATABASE is the world's.
  const own = options.database === undefined ? await testDatabase("world") : undefined;
  const database = options.database ?? own?.url ?? join(data, "slipway.db");
  const proxy = await spawnProxy({
    listen: "127.0.0.1:0",
    admin: "127.0.0.1:0",
    stateDir: join(data, "proxy"),
    dataPlane: options.dataPlane ?? "builtin",
  });
  const proxyUrl = `http://${proxy.listen}`;

  const controlPlane = async () => {
    // The tests' composition root: the same Store the server opens.
    const state = await openStore(database);
    const store = state.rollouts;
    const runtime = new LocalRuntime({ stateDir: join(data, "runtime") });
    const router = new ProxyTrafficRouter(
      options.dataPlanes ? options.dataPlanes(proxy.client, dir) : proxy.client,
      store,
      runtime,
      previewKeyLookup(new PreviewKeys(join(data, PREVIEW_KEY_FILE)), () => loadProjectConfig(dir)),
    );
    const controller = new RolloutController({
      store,
      runtime,
      router,
      releases: new ProjectReleaseSource(dir),
      tickMs: 100,
    });
    await controller.start();
    return { state, store, runtime, controller };
  };

  let cp: Awaited<ReturnType<typeof controlPlane>>;
  try {
    cp = await controlPlane();
  } catch (error) {
    await proxy.stop(1000);
    await own?.drop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const world: World = {
    dir,
    database,
    proxy,
    proxyUrl,
    get store() {
      return cp.store;
    },
    get state() {
      return cp.state;
    },
    get controller() {
      return cp.controller;
    },
    get runtime() {
      return cp.runtime;
    },
    get db() {
      if (!(cp.state instanceof SqliteStore)) throw new Error(`world.db: ${cp.state.location} is not SQLite`);
      return cp.state.db;
    },
    async restart() {
      await cp.controller.stop();
      await cp.runtime.detach();
      await cp.state.close();
      cp = await controlPlane();
    },
    async deploy(version) {
      const result = await cp.controller.deploy({
        service: "web",
        environment: "production",
        version,
        actor: "test",
      });
      if (!result.rollout) throw new Error(`deploy ${version}: ${result.message}`);
      return result.rollout;
    },
    async waitFor(id, done, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const r = await cp.store.getRollout(id);
        if (r && done(r)) return r;
        if (Date.now() > deadline)
          throw new Error(`rollout ${id} stuck in ${r?.phase}: ${JSON.stringify(r)}`);
        await sleep(50);
      }
    },
    waitFinal(id, timeoutMs) {
      return world.waitFor(id, (r) => isFinal(r.phase), timeoutMs);
    },
    async get(path = "/") {
      const res = await request(`${proxyUrl}${path}`);
      await res.body.text();
      const version = res.headers["x-app-version"];
      return { status: res.statusCode, version: typeof version === "string" ? version : undefined };
    },
    async close() {
      await cp.controller.stop();
      for (const revision of cp.runtime.revisions()) await cp.runtime.stop(revision, { graceMs: 500 });
      await cp.runtime.detach();
      await cp.state.close();
      await proxy.stop(1000);
      await own?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** Sends requests through the proxy until stopped; counts statuses per version. */
export function steadyTraffic(world: World, everyMs = 10, concurrency = 1) {
  const counts = {
    total: 0,
    failed: 0,
    byVersion: new Map<string, number>(),
    statuses: new Map<number, number>(),
  };
  let running = true;
  const one = async () => {
    while (running) {
      try {
        const r = await world.get();
        counts.total++;
        counts.statuses.set(r.status, (counts.statuses.get(r.status) ?? 0) + 1);
        if (r.version) counts.byVersion.set(r.version, (counts.byVersion.get(r.version) ?? 0) + 1);
      } catch {
        counts.failed++;
      }
      await sleep(everyMs);
    }
  };
  const loop = Promise.all(Array.from({ length: concurrency }, one));
  return {
    counts,
    async stop() {
      running = false;
      await loop;
      return counts;
    },
  };
}
