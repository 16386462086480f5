import { describe, expect, it } from "vitest";
import { resolveSettings } from "../../core/rollout/defaults.js";
import { abandon, nextAction } from "../../core/rollout/next-action.js";
import type { Rollout, Transition } from "../../core/rollout/types.js";
import { DEFAULT_TRAFFIC_POLICY } from "../../core/traffic/index.js";
import type { NewRollout } from "../../rollouts/ports.js";
import { openSqlite } from "./database.js";
import { SqliteRolloutStore } from "./rollouts.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");

function newRollout(version: string, stable?: string): NewRollout {
  const id = `web/production@${version}`;
  return {
    rollout: {
      service: "web",
      environment: "production",
      kind: "deploy",
      strategy: "blue-green",
      candidate: { id, version },
      ...(stable ? { stable: { id: `web/production@${stable}`, version: stable } } : {}),
      phase: "pending",
      phaseSince: T0,
      createdAt: T0,
      actor: "alice",
      settings: resolveSettings({ analysisWindowMs: 0 }),
    },
    spec: {
      revisionId: id,
      service: "web",
      environment: "production",
      version,
      workDir: "/tmp",
      command: "node app.mjs",
      env: {},
      replicas: 1,
      stopGraceMs: 1000,
    },
    routes: [{ id: "web/production", hosts: [], pathPrefix: "/", policy: DEFAULT_TRAFFIC_POLICY }],
  };
}

const ready = {
  candidate: { desired: 1, ready: 1, crashed: 0, restarts: 0, consecutiveHealthFailures: 0 },
  candidateSamples: [],
  stableSamples: [],
};

function step(store: SqliteRolloutStore, r: Rollout, now: number): Rollout {
  const action = nextAction(r, ready, now);
  return store.commitTransition(r.id, action as Transition, "controller");
}

describe("SqliteRolloutStore", () => {
  it("commits transitions with events and traffic, and holds one lock per (service, environment)", () => {
    const store = new SqliteRolloutStore(openSqlite(":memory:"));
    let r = store.createRollout(newRollout("v1"));
    expect(r.id).toBe("r-1");
    expect(() => store.createRollout(newRollout("v2"))).toThrow(
      /rollout r-1 \(web\/production v1, pending\) is already running/,
    );
    r = step(store, r, T0 + 1); // start candidate: preview
    expect(store.traffic("web", "production")?.traffic).toEqual([
      { revision: "web/production@v1", weight: 0 },
    ]);
    r = step(store, r, T0 + 2); // switch
    expect(store.traffic("web", "production")?.traffic).toEqual([
      { revision: "web/production@v1", weight: 100 },
    ]);
    expect(store.lockHolder("web", "production")?.id).toBe("r-1");
    r = step(store, r, T0 + 3); // analysis window 0, no stable: promoted at once
    expect(r.phase).toBe("promoted");
    expect(store.lockHolder("web", "production")).toBeUndefined();
    expect(store.unfinished()).toEqual([]);
    expect(store.promoted("web", "production", 5).map((x) => x.id)).toEqual(["r-1"]);
    expect(store.events({ rolloutId: "r-1" }).map((e) => e.type)).toEqual([
      "rollout.created",
      "rollout.candidate-started",
      "rollout.switched",
      "rollout.promoted",
    ]);
    expect(store.revisionSpec("web/production@v1")?.command).toBe("node app.mjs");
  });

  it("supersedes the lock holder in the same transaction as the new rollout", () => {
    const store = new SqliteRolloutStore(openSqlite(":memory:"));
    const first = store.createRollout(newRollout("v2", "v1"));
    const started = step(store, first, T0 + 1);
    const transition = abandon(started, "superseded", "superseded by v3", T0 + 2);
    const second = store.createRollout(newRollout("v3", "v1"), { rolloutId: first.id, transition });
    expect(store.lockHolder("web", "production")?.id).toBe(second.id);
    expect(store.getRollout(first.id)).toMatchObject({ phase: "draining", outcome: "superseded" });
    expect(store.unfinished().map((x) => x.id)).toEqual([first.id, second.id]);
  });

  it("saves analysis records without an event, and lists events after a sequence number", () => {
    const store = new SqliteRolloutStore(openSqlite(":memory:"));
    const r = store.createRollout(newRollout("v1"));
    const [created] = store.events({ rolloutId: r.id });
    const record = { id: `${r.id}/a1`, startedAt: T0, metrics: [] };
    expect(store.saveAnalysis(r.id, [record]).analysis).toEqual([record]);
    expect(store.getRollout(r.id)).toMatchObject({ phase: "pending", analysis: [record] });
    expect(store.events({ rolloutId: r.id })).toHaveLength(1);
    step(store, r, T0 + 1);
    expect(store.eventsSince(created?.seq ?? 0).map((e) => e.type)).toEqual(["rollout.candidate-started"]);
    expect(store.eventsSince(0, 1).map((e) => e.type)).toEqual(["rollout.created"]);
  });

  it("keeps route generations increasing", () => {
    const store = new SqliteRolloutStore(openSqlite(":memory:"));
    expect(store.nextGeneration(0)).toBe(1);
    expect(store.nextGeneration(10)).toBe(10);
    expect(store.nextGeneration(0)).toBe(11);
  });
});
