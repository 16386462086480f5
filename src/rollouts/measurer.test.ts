import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { MetricDefinition } from "../core/analysis/definition.js";
import { startAnalysis } from "../core/rollout/analysis-records.js";
import { resolveSettings } from "../core/rollout/defaults.js";
import type { Rollout } from "../core/rollout/types.js";
import { DEFAULT_TRAFFIC_POLICY } from "../core/traffic/index.js";
import { openStore, type RolloutStore, type Store } from "../store/index.js";
import { Measurer } from "./measurer.js";

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

/** An HTTP endpoint that never answers, counting the requests it got. */
async function silentEndpoint(): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  server = createServer(() => {
    hits++;
  });
  await new Promise<void>((ok) => server?.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`, hits: () => hits };
}

const opened: Store[] = [];
afterAll(async () => {
  for (const store of opened.splice(0)) await store.close();
});

async function storeWith(def: MetricDefinition): Promise<{ store: RolloutStore; rollout: Rollout }> {
  const state = await openStore("sqlite::memory:");
  opened.push(state);
  const store = state.rollouts;
  const created = await store.createRollout({
    rollout: {
      service: "web",
      environment: "production",
      kind: "deploy",
      strategy: "canary",
      candidate: { id: "web/production@v2", version: "v2" },
      stable: { id: "web/production@v1", version: "v1" },
      phase: "stepping",
      phaseSince: Date.now(),
      createdAt: Date.now(),
      actor: "test",
      settings: { ...resolveSettings(), metrics: [def] },
      canary: { steps: [], stepIndex: 0, weight: 10, stepSince: Date.now() },
    },
    spec: {
      revisionId: "web/production@v2",
      service: "web",
      environment: "production",
      version: "v2",
      artifact: { kind: "directory", path: "/tmp" },
      command: "true",
      env: {},
      replicas: 1,
      stopGraceMs: 1000,
    },
    routes: [{ id: "web/production", hosts: [], pathPrefix: "/", policy: DEFAULT_TRAFFIC_POLICY }],
  });
  const rollout = await store.updateAnalysis(created.id, () => [startAnalysis(created, [def], Date.now())]);
  if (!rollout) throw new Error("no rollout");
  return { store, rollout };
}

describe("Measurer", () => {
  it(
    "bounds a measurement by its metric's timeout, never runs two at once for a metric, and records the error",
    { timeout: 20_000 },
    async () => {
      const endpoint = await silentEndpoint();
      const def: MetricDefinition = {
        name: "health",
        unit: "none",
        source: { provider: "http", url: endpoint.url, method: "GET", timeoutMs: 300 },
        judge: { kind: "conditions" },
        run: { name: "health", intervalMs: 60_000 },
      };
      const { store, rollout } = await storeWith(def);
      const changes: Rollout[] = [];
      const measurer = new Measurer({
        store,
        stats: { stats: () => Promise.resolve([]) },
        runtime: { resources: () => Promise.reject(new Error("no runtime")) },
        clock: Date.now,
        onChange: (r) => changes.push(r),
      });
      measurer.measure([rollout], Date.now());
      measurer.measure([rollout], Date.now()); // still in flight: not started again
      await measurer.settle();
      expect(endpoint.hits()).toBe(1);
      expect(changes).toHaveLength(1);
      const state = (await store.getRollout(rollout.id))?.analysis?.[0]?.metrics[0]?.state;
      expect(state).toMatchObject({ phase: "running", errors: 1, consecutiveErrors: 1 });
      expect(state?.measurements[0]?.explanation).toMatch(/^health: could not measure: .*300 ms/);
      // The next one is due only after the interval.
      measurer.measure([(await store.getRollout(rollout.id)) as Rollout], Date.now());
      await measurer.settle();
      expect(endpoint.hits()).toBe(1);
    },
  );
});
