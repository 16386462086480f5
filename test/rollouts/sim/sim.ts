/**
 * A rollout controller in simulated time: the real RolloutController, the real SQLite store (in
 * memory) and the real ProxyTrafficRouter over the fakes of ./fakes.ts, all reading one manual
 * clock. The controller's own interval is an hour, so it never ticks by itself: a test moves the
 * clock and then ticks explicitly, and sees exactly what is due at that instant.
 *
 * Every controller and store call is awaited through `settled()`: the store is becoming an
 * asynchronous port, and this keeps that change to a type edit here.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Rollout } from "../../../src/core/rollout/types.js";
import { RolloutController, type ControllerDeployRequest } from "../../../src/rollouts/controller.js";
import type { StoredEvent } from "../../../src/store/ports/rollout-store.js";
import { ProxyTrafficRouter } from "../../../src/traffic/router.js";
import { openSqlite, type SqliteDatabase } from "../../../src/store/sqlite/database.js";
import { SqliteRolloutStore } from "../../../src/store/sqlite/rollouts.js";
import { FakeProxyAdmin, FakeReleaseSource, FakeRuntime, ManualClock } from "./fakes.js";

/** Await a value that is (or will become) a promise: the store and the controller's reads. */
export const settled = <T>(value: T | Promise<T>): Promise<T> => Promise.resolve(value);

/** Longer than any simulated test runs: the controller's own timer never fires. */
const NEVER_TICKS_BY_ITSELF_MS = 3_600_000;
/** Enough turns of the event loop for a measurement against the fakes to be recorded. */
const TURNS = 20;

export interface Sim {
  clock: ManualClock;
  runtime: FakeRuntime;
  proxy: FakeProxyAdmin;
  store: SqliteRolloutStore;
  controller: RolloutController;
  /** One controller tick at the current instant, and whatever it set off (measurements) recorded. */
  tick(): Promise<void>;
  /** Move the clock by `ms`, then tick. */
  advance(ms: number): Promise<void>;
  /** Tick every `everyMs` until `ms` have passed (the last tick at exactly +ms). */
  runFor(ms: number, everyMs: number): Promise<void>;
  deploy(version: string, extra?: Partial<ControllerDeployRequest>): Promise<Rollout>;
  rollout(id: string): Promise<Rollout>;
  events(rolloutId: string): Promise<StoredEvent[]>;
  /** Deploy `version`, make it ready and tick until its rollout is decided (the stable release). */
  establish(version: string): Promise<Rollout>;
  close(): Promise<void>;
}

export async function startSim(yaml: string): Promise<Sim> {
  const clock = new ManualClock();
  const runtime = new FakeRuntime(clock.now);
  const proxy = new FakeProxyAdmin();
  const db: SqliteDatabase = openSqlite(":memory:");
  const store = new SqliteRolloutStore(db);
  const controller = new RolloutController({
    store,
    runtime,
    router: new ProxyTrafficRouter(proxy, store, runtime),
    releases: new FakeReleaseSource(yaml),
    clock: clock.now,
    tickMs: NEVER_TICKS_BY_ITSELF_MS,
  });
  await controller.start();

  const sim: Sim = {
    clock,
    runtime,
    proxy,
    store,
    controller,
    async tick() {
      controller.kick();
      // A tick may start measurements beside it; each records its result and kicks another tick
      // (at the same instant). Let those finish too, so the test sees the instant's full outcome.
      for (let i = 0; i < TURNS; i++) {
        await controller.settle();
        await nextTurn();
      }
      await controller.settle();
    },
    async advance(ms) {
      clock.advance(ms);
      await sim.tick();
    },
    async runFor(ms, everyMs) {
      for (let passed = 0; passed < ms;) {
        const step = Math.min(everyMs, ms - passed);
        await sim.advance(step);
        passed += step;
      }
    },
    async deploy(version, extra = {}) {
      const result = await controller.deploy({
        service: "web",
        environment: "production",
        version,
        actor: "test",
        ...extra,
      });
      if (!result.rollout) throw new Error(`deploy ${version}: ${result.message}`);
      await controller.settle();
      return result.rollout;
    },
    async rollout(id) {
      const r = await settled(store.getRollout(id));
      if (!r) throw new Error(`no rollout ${id}`);
      return r;
    },
    events: (rolloutId) => settled(store.events({ rolloutId })),
    async establish(version) {
      const r = await sim.deploy(version);
      await sim.tick();
      runtime.makeReady(`web/production@${version}`);
      // A first release has no stable revision to compare with: ready → live after its window.
      for (
        let i = 0;
        i < 100 && !["promoted", "failed", "rolled-back"].includes((await sim.rollout(r.id)).phase);
        i++
      )
        await sim.advance(1_000);
      return sim.rollout(r.id);
    },
    async close() {
      await controller.stop();
      db.close();
    },
  };
  return sim;
}

/** slipway.yaml of one canary service with these steps and background metrics. */
export function simYaml(steps: string[], metrics: string[] = [QUIET_BACKGROUND_METRIC]): string {
  return `project:
  name: sim
services:
  web:
    path: web
    start: node start.mjs
    replicas: 1
    readiness:
      http: { path: /healthz }
environments:
  production:
    strategy: canary
    readinessTimeout: 10m
    scaleDownDelay: 30s
    drainTimeout: 30s
    steps:
${steps.map((s) => `      - ${s}`).join("\n")}
    analysis:
      window: 10s
      minRequests: 10
      triggers:
        errorRate: false
        latency: false
        latencyVsBaseline: false
        consecutiveHealthFailures: 3
      metrics:
${metrics.map((m) => `        - ${m}`).join("\n")}
`;
}

/**
 * A background metric that passes and measures only hourly, so it neither decides nor moves the
 * tests' step timing: its first measurement is taken as the background analysis starts.
 */
export const QUIET_BACKGROUND_METRIC =
  "{ name: memory, provider: resources, resource: memory, judge: threshold, max: 1000000000, unit: bytes, interval: 1h, onInconclusive: wait }";
