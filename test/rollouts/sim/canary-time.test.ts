/**
 * What a canary does as time passes, in simulated time: the real controller and store, fake
 * runtime and data plane, one manual clock. Each test says exactly when something must happen and
 * checks that it does not happen one millisecond earlier; none waits in real time.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Rollout } from "../../../src/core/rollout/types.js";
import { settled, simYaml, startSim, type Sim } from "./sim.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const V1 = "web/production@v1";
const V2 = "web/production@v2";

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** A stable v1, then a canary of v2 whose candidate is ready and has taken its first step(s). */
async function canaryOfV2(steps: string[]): Promise<{ sim: Sim; id: string }> {
  const s = await startSim(simYaml(steps));
  sim = s;
  expect((await s.establish("v1")).phase).toBe("promoted");
  const v2 = await s.deploy("v2");
  await s.tick();
  expect((await s.rollout(v2.id)).phase).toBe("starting");
  s.runtime.makeReady(V2);
  await s.tick();
  return { sim: s, id: v2.id };
}

const canaryOf = (r: Rollout) => ({ phase: r.phase, step: r.canary?.stepIndex, weight: r.canary?.weight });

describe("canary in simulated time", () => {
  it("a manual pause never advances, however long the clock runs, until promoted", async () => {
    const { sim: s, id } = await canaryOfV2([
      "setWeight: 30",
      "pause: manual",
      "setWeight: 60",
      "pause: manual",
    ]);
    const paused = await s.rollout(id);
    expect(canaryOf(paused)).toEqual({ phase: "paused", step: 1, weight: 30 });
    expect(paused.canary?.paused).toMatchObject({ by: "step", reason: "step 2/4: paused until promoted" });
    expect(s.proxy.weights()).toEqual({ [V1]: 70, [V2]: 30 });
    const tablesAtPause = s.proxy.tables.length;
    const eventsAtPause = (await s.events(id)).length;

    // A week of ticks, one every 10 minutes.
    await s.runFor(7 * 24 * HOUR, 10 * MINUTE);
    expect(canaryOf(await s.rollout(id))).toEqual({ phase: "paused", step: 1, weight: 30 });
    expect(s.proxy.tables.length).toBe(tablesAtPause);
    expect(s.proxy.weights()).toEqual({ [V1]: 70, [V2]: 30 });
    // The background analysis took its hourly measurements meanwhile; no step was taken.
    expect((await s.events(id)).slice(eventsAtPause).map((e) => e.type)).toEqual([]);

    const resumed = await s.controller.promote(id, { actor: "bob", reason: "metrics look fine" });
    expect(resumed.message).toBe("step 2/4 resumed by bob: metrics look fine");
    await s.tick();
    expect(canaryOf(await s.rollout(id))).toEqual({ phase: "paused", step: 3, weight: 60 });
    expect(s.proxy.weights()).toEqual({ [V1]: 40, [V2]: 60 });
  });

  it("a timed pause advances exactly when its duration has passed, not one tick before", async () => {
    const { sim: s, id } = await canaryOfV2(["setWeight: 20", "pause: 5m", "setWeight: 50", "pause: manual"]);
    const stepping = await s.rollout(id);
    expect(canaryOf(stepping)).toEqual({ phase: "stepping", step: 1, weight: 20 });
    const since = stepping.canary?.stepSince ?? Number.NaN;
    expect(since).toBe(s.clock.now());

    await s.runFor(5 * MINUTE - 1, 10_000);
    expect(s.clock.now()).toBe(since + 5 * MINUTE - 1);
    expect(canaryOf(await s.rollout(id))).toEqual({ phase: "stepping", step: 1, weight: 20 });
    expect(s.proxy.weights()).toEqual({ [V1]: 80, [V2]: 20 });

    await s.advance(1);
    // The pause is over and the next step (setWeight 50) is taken in the same tick.
    expect(canaryOf(await s.rollout(id))).toEqual({ phase: "paused", step: 3, weight: 50 });
    expect(s.proxy.weights()).toEqual({ [V1]: 50, [V2]: 50 });
    const steps = (await s.events(id)).filter((e) => e.type === "rollout.step").map((e) => e.message);
    expect(steps.at(-1)).toBe("step 2/4: pause of 300s over");
  });

  it("a canary step's analysis measures once per interval and decides after its count", async () => {
    const metric =
      "{ name: memory, provider: resources, resource: memory, judge: threshold, max: 1000000000, unit: bytes, interval: 2m, count: 3 }";
    const { sim: s, id } = await canaryOfV2([
      "setWeight: 20",
      `analysis: { metrics: [${metric}] }`,
      "setWeight: 60",
      "pause: manual",
    ]);
    const taken = async () => {
      const r = await s.rollout(id);
      return r.analysis?.find((a) => a.step === 1)?.metrics[0]?.state.taken;
    };
    const started = s.clock.now();
    // The first measurement is taken as the step starts, then one every 2 minutes.
    expect(await taken()).toBe(1);
    expect(canaryOf(await s.rollout(id))).toEqual({ phase: "stepping", step: 1, weight: 20 });

    await s.runFor(2 * MINUTE - 1, 10_000);
    expect(await taken()).toBe(1);
    await s.advance(1);
    expect(await taken()).toBe(2);

    await s.runFor(2 * MINUTE - 1, 10_000);
    expect(await taken()).toBe(2);
    expect(canaryOf(await s.rollout(id))).toEqual({ phase: "stepping", step: 1, weight: 20 });
    expect(s.proxy.weights()).toEqual({ [V1]: 80, [V2]: 20 });

    await s.advance(1);
    expect(s.clock.now()).toBe(started + 4 * MINUTE);
    expect(await taken()).toBe(3);
    // Three passing measurements: the step passed and the next one (setWeight 60) was taken.
    expect(canaryOf(await s.rollout(id))).toEqual({ phase: "paused", step: 3, weight: 60 });
    expect(s.proxy.weights()).toEqual({ [V1]: 40, [V2]: 60 });
    const passed = (await s.events(id)).find((e) => e.message.startsWith("step 2/4: analysis passed"));
    expect(passed).toBeDefined();
  });

  it("a held deploy starts nothing until approved, and expires exactly at its expiry", async () => {
    const s = await startSim(simYaml(["setWeight: 50", "pause: manual"]));
    sim = s;
    await s.establish("v1");
    const hold = { reason: "production needs an approval", approvers: [], expiryMs: HOUR };
    const held = await s.deploy("v2", { actor: "alice", hold });
    expect(held.phase).toBe("awaiting-approval");

    await s.runFor(HOUR - 1, MINUTE);
    expect((await s.rollout(held.id)).phase).toBe("awaiting-approval");
    expect(s.runtime.calls.filter((c) => c.includes(V2))).toEqual([]);
    expect(s.proxy.weights()).toEqual({ [V1]: 100 });

    await s.advance(1);
    expect(await s.rollout(held.id)).toMatchObject({
      phase: "failed",
      reason: "approval expired: nobody approved within 1h",
    });
    expect(s.runtime.calls.filter((c) => c.includes(V2))).toEqual([]);
  });

  it("an approval after a long wait starts the rollout at once", async () => {
    const s = await startSim(simYaml(["setWeight: 50", "pause: manual"]));
    sim = s;
    await s.establish("v1");
    const hold = { reason: "production needs an approval", approvers: [], expiryMs: HOUR };
    const held = await s.deploy("v2", { actor: "alice", hold });
    await s.runFor(HOUR - MINUTE, MINUTE);
    expect(s.runtime.calls.filter((c) => c.includes(V2))).toEqual([]);
    await s.controller.approve(held.id, { principal: { id: "u-2", name: "bob" }, verdict: "approve" });
    await s.tick();
    expect((await s.rollout(held.id)).phase).toBe("starting");
    expect(s.runtime.calls.filter((c) => c.includes(V2))).toEqual([`ensure ${V2}`]);
    const history = await settled(s.controller.history({ rolloutId: held.id }));
    expect(history.map((e) => `${e.type} ${e.actor}`).slice(0, 4)).toEqual([
      "rollout.created alice",
      "rollout.approval-requested alice",
      "rollout.approved u-2",
      "rollout.candidate-started controller",
    ]);
  });
});

describe("background analysis in simulated time", () => {
  it("measures at its interval and rolls back at the first failing measurement, not before", async () => {
    const memory =
      "{ name: memory, provider: resources, resource: memory, judge: threshold, max: 100000000, unit: bytes, interval: 1m }";
    const s = await startSim(simYaml(["setWeight: 30", "pause: manual"], [memory]));
    sim = s;
    await s.establish("v1");
    const v2 = await s.deploy("v2");
    await s.tick();
    s.runtime.makeReady(V2);
    await s.tick();
    const id = v2.id;
    const taken = async () => (await s.rollout(id)).analysis?.at(-1)?.metrics[0]?.state.taken;
    expect(canaryOf(await s.rollout(id))).toEqual({ phase: "paused", step: 1, weight: 30 });
    expect(await taken()).toBe(1);

    await s.runFor(3 * MINUTE, 10_000);
    expect(await taken()).toBe(4);
    // The candidate's memory grows past the limit: the next measurement, a minute after the last, fails.
    s.runtime.setResources(V2, { cpuPercent: 1, rssBytes: 200e6 });
    await s.runFor(MINUTE - 1, 10_000);
    expect(await taken()).toBe(4);
    expect((await s.rollout(id)).phase).toBe("paused");
    expect(s.proxy.weights()).toEqual({ [V1]: 70, [V2]: 30 });

    await s.advance(1);
    expect(await taken()).toBe(5);
    const rolledBack = await s.rollout(id);
    expect(rolledBack.outcome).toBe("rolled-back");
    expect(rolledBack.reason).toMatch(/^memory: /);
    expect(s.proxy.weights()[V1]).toBe(100);
  });
});

describe("after the canary, in simulated time", () => {
  it("a candidate that never gets ready is rolled back exactly at its readiness timeout", async () => {
    const s = await startSim(simYaml(["setWeight: 50", "pause: manual"]));
    sim = s;
    await s.establish("v1");
    const v2 = await s.deploy("v2");
    await s.tick();
    const starting = await s.rollout(v2.id);
    expect(starting.phase).toBe("starting");

    await s.runFor(10 * MINUTE - 1, 10_000);
    expect((await s.rollout(v2.id)).phase).toBe("starting");
    expect(s.proxy.weights()).toEqual({ [V1]: 100, [V2]: 0 });
    await s.advance(1);
    expect(await s.rollout(v2.id)).toMatchObject({
      outcome: "rolled-back",
      reason: "candidate not ready within 600s (0/1 instances ready)",
    });
    expect(s.proxy.weights()[V1]).toBe(100);
  });

  it("the old revision stays warm for the scale-down delay, then drains until in-flight requests end or the drain timeout", async () => {
    const { sim: s, id } = await canaryOfV2(["setWeight: 50", "pause: manual"]);
    await s.controller.promote(id, { actor: "bob", full: true });
    await s.tick();
    expect((await s.rollout(id)).phase).toBe("warm");
    expect(s.proxy.weights()).toEqual({ [V1]: 0, [V2]: 100 });

    // scaleDownDelay 30s: warm (v1 kept in the table, ready for a rollback) until it has passed.
    await s.runFor(30_000 - 1, 1_000);
    expect((await s.rollout(id)).phase).toBe("warm");
    s.proxy.script(V1, { inflight: 2 });
    await s.advance(1);
    expect((await s.rollout(id)).phase).toBe("draining");
    expect(Object.keys(s.proxy.weights())).toEqual([V2]);

    // drainTimeout 30s: two requests still at v1 hold the stop back until it has passed.
    await s.runFor(30_000 - 1, 1_000);
    expect((await s.rollout(id)).phase).toBe("draining");
    expect(s.runtime.calls).not.toContain(`stop ${V1}`);
    await s.advance(1);
    expect(s.runtime.calls).toContain(`stop ${V1}`);
    const stopping = (await s.events(id)).find((e) => e.type === "rollout.stopping");
    expect(stopping?.message).toBe(`stopping ${V1} (2 requests cut at the drain timeout)`);
    await s.tick();
    expect((await s.rollout(id)).phase).toBe("promoted");
  });

  it("a drained old revision is stopped as soon as its last request ends", async () => {
    const { sim: s, id } = await canaryOfV2(["setWeight: 50", "pause: manual"]);
    await s.controller.promote(id, { actor: "bob", full: true });
    await s.tick();
    s.proxy.script(V1, { inflight: 1 });
    await s.runFor(30_000, 1_000);
    expect((await s.rollout(id)).phase).toBe("draining");
    await s.advance(5_000);
    expect((await s.rollout(id)).phase).toBe("draining");
    s.proxy.script(V1, { inflight: 0 });
    await s.tick();
    expect(s.runtime.calls).toContain(`stop ${V1}`);
    expect((await s.events(id)).find((e) => e.type === "rollout.stopping")?.message).toBe(`stopping ${V1}`);
  });
});
