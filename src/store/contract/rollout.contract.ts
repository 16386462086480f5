import { describe, expect, it } from "vitest";
import { resolveSettings } from "../../core/rollout/defaults.js";
import { abandon, nextAction } from "../../core/rollout/next-action.js";
import type { Rollout, Transition } from "../../core/rollout/types.js";
import { DEFAULT_TRAFFIC_POLICY } from "../../core/traffic/index.js";
import type { NewRollout, RolloutStore } from "../ports/rollout-store.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");

/** A blue-green deploy of web/production (or `service`) at `version`, replacing `stable`. */
export function newRollout(version: string, stable?: string, service = "web"): NewRollout {
  const id = `${service}/production@${version}`;
  return {
    rollout: {
      service,
      environment: "production",
      kind: "deploy",
      strategy: "blue-green",
      candidate: { id, version },
      ...(stable ? { stable: { id: `${service}/production@${stable}`, version: stable } } : {}),
      phase: "pending",
      phaseSince: T0,
      createdAt: T0,
      actor: "alice",
      settings: resolveSettings({ analysisWindowMs: 0 }),
    },
    spec: {
      revisionId: id,
      service,
      environment: "production",
      version,
      artifact: { kind: "directory", path: "/tmp" },
      command: "node app.mjs",
      env: {},
      replicas: 1,
      stopGraceMs: 1000,
    },
    routes: [{ id: `${service}/production`, hosts: [], pathPrefix: "/", policy: DEFAULT_TRAFFIC_POLICY }],
  };
}

const ready = {
  candidate: { desired: 1, ready: 1, crashed: 0, restarts: 0, consecutiveHealthFailures: 0 },
  candidateSamples: [],
  stableSamples: [],
};

/** The transition the state machine takes next for a healthy candidate, committed. */
async function step(store: RolloutStore, r: Rollout, now: number): Promise<Rollout> {
  const action = nextAction(r, ready, now);
  return store.commitTransition(r.id, action as Transition, "controller");
}

/**
 * One behaviour for every RolloutStore adapter: the (service, environment) lock, transitions
 * committed with their events and traffic, supersede in one transaction, events after a sequence
 * number, and route generations that only go up. `makeStore` answers an empty store each time.
 */
export function rolloutStoreContract(
  adapter: string,
  makeStore: () => RolloutStore | Promise<RolloutStore>,
): void {
  describe(`RolloutStore contract: ${adapter}`, () => {
    it("commits transitions with events and traffic, and holds one lock per (service, environment)", async () => {
      const store = await makeStore();
      let r = await store.createRollout(newRollout("v1"));
      expect(r.id).toBe("r-1");
      const refused = store.createRollout(newRollout("v2"));
      await expect(refused).rejects.toMatchObject({ code: "SLIPWAY_CONFLICT" });
      await expect(refused).rejects.toThrow(/rollout r-1 \(web\/production v1, pending\) is already running/);
      r = await step(store, r, T0 + 1); // start candidate: preview
      expect((await store.traffic("web", "production"))?.traffic).toEqual([
        { revision: "web/production@v1", weight: 0 },
      ]);
      r = await step(store, r, T0 + 2); // switch
      expect((await store.traffic("web", "production"))?.traffic).toEqual([
        { revision: "web/production@v1", weight: 100 },
      ]);
      expect((await store.lockHolder("web", "production"))?.id).toBe("r-1");
      r = await step(store, r, T0 + 3); // analysis window 0, no stable: promoted at once
      expect(r.phase).toBe("promoted");
      expect(await store.getRollout("r-1")).toEqual(r);
      expect(await store.lockHolder("web", "production")).toBeUndefined();
      expect(await store.unfinished()).toEqual([]);
      expect((await store.promoted("web", "production", 5)).map((x) => x.id)).toEqual(["r-1"]);
      expect((await store.events({ rolloutId: "r-1" })).map((e) => e.type)).toEqual([
        "rollout.created",
        "rollout.candidate-started",
        "rollout.switched",
        "rollout.promoted",
      ]);
      expect((await store.revisionSpec("web/production@v1"))?.command).toBe("node app.mjs");
      // Once decided, the lock is free for the next deploy.
      expect((await store.createRollout(newRollout("v2", "v1"))).id).toBe("r-2");
    });

    it("keeps the locks of different services apart, and the desired traffic of each", async () => {
      const store = await makeStore();
      const web = await store.createRollout(newRollout("v1"));
      const api = await store.createRollout(newRollout("v1", undefined, "api"));
      expect([web.id, api.id]).toEqual(["r-1", "r-2"]);
      expect((await store.lockHolder("api", "production"))?.id).toBe("r-2");
      expect(await store.lockHolder("api", "staging")).toBeUndefined();
      expect((await store.allTraffic()).map((t) => `${t.service}/${t.environment}`)).toEqual([
        "api/production",
        "web/production",
      ]);
      expect(await store.traffic("web", "staging")).toBeUndefined();
      expect((await store.traffic("web", "production"))?.routes).toEqual(newRollout("v1").routes);
    });

    it("supersedes the lock holder in the same transaction as the new rollout", async () => {
      const store = await makeStore();
      const first = await store.createRollout(newRollout("v2", "v1"));
      const started = await step(store, first, T0 + 1);
      const transition = abandon(started, "superseded", "superseded by v3", T0 + 2);
      const second = await store.createRollout(newRollout("v3", "v1"), { rolloutId: first.id, transition });
      expect((await store.lockHolder("web", "production"))?.id).toBe(second.id);
      expect(await store.getRollout(first.id)).toMatchObject({ phase: "draining", outcome: "superseded" });
      expect((await store.unfinished()).map((x) => x.id)).toEqual([first.id, second.id]);
      expect((await store.events({ rolloutId: first.id })).at(-1)).toMatchObject({
        type: "rollout.superseded",
        actor: "alice",
        reason: "superseded by v3",
      });
    });

    it("refuses a supersede of a rollout that no longer holds the lock, and changes nothing", async () => {
      const store = await makeStore();
      const first = await store.createRollout(newRollout("v2", "v1"));
      const started = await step(store, first, T0 + 1);
      const stale = abandon(started, "superseded", "superseded by v3", T0 + 2);
      // Decided meanwhile (rolled back): the lock is free and the stale supersede must not apply.
      await store.commitTransition(first.id, abandon(started, "rolled-back", "bad", T0 + 2), "bob");
      const before = await store.events();
      await expect(
        store.createRollout(newRollout("v3", "v1"), { rolloutId: first.id, transition: stale }),
      ).rejects.toMatchObject({ code: "SLIPWAY_CONFLICT" });
      expect(await store.getRollout(first.id)).toMatchObject({ outcome: "rolled-back" });
      expect(await store.lockHolder("web", "production")).toBeUndefined();
      expect(await store.events()).toEqual(before);
    });

    it("rolls a failed transaction back whole: no rollout, event or traffic from a refused create", async () => {
      const store = await makeStore();
      await store.createRollout(newRollout("v1"));
      const before = { events: await store.events(), traffic: await store.allTraffic() };
      await expect(store.createRollout(newRollout("v2"))).rejects.toMatchObject({ code: "SLIPWAY_CONFLICT" });
      expect(await store.events()).toEqual(before.events);
      expect(await store.allTraffic()).toEqual(before.traffic);
      expect(await store.revisionSpec("web/production@v2")).toBeUndefined();
      expect((await store.list()).map((r) => r.id)).toEqual(["r-1"]);
    });

    it("answers SLIPWAY_NOT_FOUND for a transition of an unknown rollout", async () => {
      const store = await makeStore();
      const r = await store.createRollout(newRollout("v1"));
      const action = nextAction(r, ready, T0 + 1) as Transition;
      await expect(store.commitTransition("r-404", action, "controller")).rejects.toMatchObject({
        code: "SLIPWAY_NOT_FOUND",
      });
      expect(await store.getRollout("r-404")).toBeUndefined();
    });

    it("updates analysis records from the committed rollout, without an event", async () => {
      const store = await makeStore();
      const r = await store.createRollout(newRollout("v1"));
      const record = { id: `${r.id}/a1`, startedAt: T0, metrics: [] };
      const moved = await step(store, r, T0 + 1); // committed after the caller's read
      const seen: string[] = [];
      const saved = await store.updateAnalysis(r.id, (current) => {
        seen.push(current.phase);
        return [record];
      });
      expect(seen).toEqual([moved.phase]);
      expect(saved).toMatchObject({ phase: moved.phase, analysis: [record] });
      expect(await store.getRollout(r.id)).toEqual(saved);
      expect(await store.updateAnalysis(r.id, () => undefined)).toBeUndefined();
      expect(await store.getRollout(r.id)).toEqual(saved);
      expect(await store.updateAnalysis("r-404", () => [record])).toBeUndefined();
      expect((await store.events({ rolloutId: r.id })).map((e) => e.type)).toEqual([
        "rollout.created",
        "rollout.candidate-started",
      ]);
    });

    it("lists events oldest first, filtered and limited to the newest, and after a sequence number", async () => {
      const store = await makeStore();
      const r = await store.createRollout(newRollout("v1"));
      await store.createRollout(newRollout("v1", undefined, "api"));
      await store.recordEvent({
        actor: "bob",
        type: "deploy.noop",
        service: "web",
        environment: "production",
        message: "nothing to do",
      });
      const [created] = await store.events({ rolloutId: r.id });
      await step(store, r, T0 + 1);
      const all = await store.events();
      expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((a, b) => a - b));
      expect(all.map((e) => e.type)).toEqual([
        "rollout.created",
        "rollout.created",
        "deploy.noop",
        "rollout.candidate-started",
      ]);
      expect(all[2]).toMatchObject({ actor: "bob", service: "web", message: "nothing to do" });
      expect(all[2]?.rolloutId).toBeUndefined();
      expect((await store.events({ service: "web" })).map((e) => e.type)).toEqual([
        "rollout.created",
        "deploy.noop",
        "rollout.candidate-started",
      ]);
      expect((await store.events({ limit: 2 })).map((e) => e.type)).toEqual([
        "deploy.noop",
        "rollout.candidate-started",
      ]);
      expect((await store.eventsSince(created?.seq ?? 0)).map((e) => e.type)).toEqual([
        "rollout.created",
        "deploy.noop",
        "rollout.candidate-started",
      ]);
      expect((await store.eventsSince(0, 1)).map((e) => e.type)).toEqual(["rollout.created"]);
      expect(await store.eventsSince(all.at(-1)?.seq ?? 0)).toEqual([]);
    });

    it("lists rollouts newest first, by service and environment, up to a limit", async () => {
      const store = await makeStore();
      let r = await store.createRollout(newRollout("v1"));
      for (let t = 1; r.phase !== "promoted"; t++) r = await step(store, r, T0 + t);
      await store.createRollout(newRollout("v2", "v1"));
      await store.createRollout(newRollout("v1", undefined, "api"));
      expect((await store.list()).map((x) => x.id)).toEqual(["r-3", "r-2", "r-1"]);
      expect((await store.list({ service: "web" })).map((x) => x.id)).toEqual(["r-2", "r-1"]);
      expect((await store.list({ environment: "staging" })).map((x) => x.id)).toEqual([]);
      expect((await store.list({ limit: 1 })).map((x) => x.id)).toEqual(["r-3"]);
      expect((await store.unfinished()).map((x) => x.id)).toEqual(["r-2", "r-3"]);
    });

    it("answers every environment's status inputs as the one-environment reads do", async () => {
      const store = await makeStore();
      expect(await store.statusInputs()).toEqual([]);
      // worker: promoted, nothing holds the lock.
      let worker = await store.createRollout(newRollout("v1", undefined, "worker"));
      for (let t = 1; worker.phase !== "promoted"; t++) worker = await step(store, worker, T0 + t);
      // web: v1 promoted, then v2 pending (holds the lock, its spec not in the traffic yet).
      let web = await store.createRollout(newRollout("v1"));
      for (let t = 1; web.phase !== "promoted"; t++) web = await step(store, web, T0 + t);
      await store.createRollout(newRollout("v2", "v1"));
      // api: its candidate starting on a preview route.
      await step(store, await store.createRollout(newRollout("v1", undefined, "api")), T0 + 1);

      const inputs = await store.statusInputs();
      const expected = await Promise.all(
        (await store.allTraffic()).map(async (env) => {
          const holder = await store.lockHolder(env.service, env.environment);
          const [last] = await store.list({ service: env.service, environment: env.environment, limit: 1 });
          const ids = [...env.traffic.map((t) => t.revision), (holder ?? last)?.candidate.id ?? ""];
          const specs = new Map();
          for (const id of ids) {
            const spec = await store.revisionSpec(id);
            if (spec) specs.set(id, spec);
          }
          return { ...env, ...(holder && { holder }), ...(last && { last }), specs };
        }),
      );
      expect(inputs).toEqual(expected);
      expect(
        inputs.map((e) => [
          `${e.service}/${e.environment}`,
          e.holder?.id ?? null,
          e.last?.id ?? null,
          [...e.specs.keys()],
        ]),
      ).toEqual([
        ["api/production", "r-4", "r-4", ["api/production@v1"]],
        ["web/production", "r-3", "r-3", ["web/production@v1", "web/production@v2"]],
        ["worker/production", null, "r-1", ["worker/production@v1"]],
      ]);
    });

    it("serializes concurrent creates: one per (service, environment) wins, every id is distinct", async () => {
      const store = await makeStore();
      const same = await Promise.allSettled(
        ["v1", "v2", "v3", "v4"].map((v) => store.createRollout(newRollout(v))),
      );
      const won = same.filter((s) => s.status === "fulfilled");
      expect(won).toHaveLength(1);
      for (const s of same.filter((x) => x.status === "rejected"))
        expect(s.reason).toMatchObject({ code: "SLIPWAY_CONFLICT" });
      const others = await Promise.all(
        ["api", "worker", "cron", "mail"].map((service) =>
          store.createRollout(newRollout("v1", undefined, service)),
        ),
      );
      const ids = [(won[0] as PromiseFulfilledResult<Rollout>).value.id, ...others.map((r) => r.id)];
      expect(new Set(ids).size).toBe(5);
      expect((await store.unfinished()).map((r) => r.id).sort()).toEqual([...ids].sort());
      expect((await store.events()).filter((e) => e.type === "rollout.created")).toHaveLength(5);
    });

    it("commits concurrent transitions of different rollouts with every event, in sequence order", async () => {
      const store = await makeStore();
      const rollouts = await Promise.all(
        ["a", "b", "c", "d"].map((service) => store.createRollout(newRollout("v1", undefined, service))),
      );
      await Promise.all(rollouts.map((r) => step(store, r, T0 + 1)));
      const events = await store.eventsSince(0);
      expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
      expect(events.filter((e) => e.type === "rollout.candidate-started")).toHaveLength(4);
      for (const r of rollouts) expect((await store.getRollout(r.id))?.phase).toBe("starting");
    });

    it("hands concurrent route-generation requests distinct, increasing numbers", async () => {
      const store = await makeStore();
      const numbers = await Promise.all(Array.from({ length: 8 }, () => store.nextGeneration(0)));
      expect([...numbers].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it("keeps route generations increasing", async () => {
      const store = await makeStore();
      expect(await store.nextGeneration(0)).toBe(1);
      expect(await store.nextGeneration(10)).toBe(10);
      expect(await store.nextGeneration(0)).toBe(11);
      expect(await store.nextGeneration(5)).toBe(12);
    });
  });
}
