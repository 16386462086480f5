import { afterEach, describe, expect, it } from "vitest";
import { canaryYaml } from "./canary-world.js";
import { startWorld, steadyTraffic, type World } from "./world.js";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const MANUAL = canaryYaml({
  steps: ["- setWeight: 30", "- pause: manual", "- setWeight: 60", "- pause: manual"],
});

async function withStable(yaml: string): Promise<World> {
  const w = await startWorld({}, yaml);
  const first = await w.deploy("v1");
  expect((await w.waitFinal(first.id)).phase).toBe("promoted");
  return w;
}

/** One whole controller tick, started now (not one already under way when called). */
async function tickOnce(w: World): Promise<void> {
  await w.controller.settle();
  w.controller.kick();
  await w.controller.settle();
}

describe("canary: people in the loop (promote, abort, approval)", () => {
  it(
    "pauses at a manual step until promoted; promote --full skips the rest",
    { timeout: 90_000 },
    async () => {
      world = await withStable(MANUAL);
      const traffic = steadyTraffic(world, 5, 2);
      const second = await world.deploy("v2");
      const paused = await world.waitFor(second.id, (r) => r.phase === "paused");
      expect(paused.canary).toMatchObject({
        stepIndex: 1,
        weight: 30,
        paused: { by: "step", reason: "step 2/4: paused until promoted" },
      });
      // A restarted control plane takes the canary up paused where it was: after its replay and one
      // full tick it still holds. (That a manual pause never moves however long the clock runs is
      // proven in simulated time: sim/canary-time.test.ts; waiting here in real time would prove less.)
      await world.restart();
      await tickOnce(world);
      expect(await world.store.getRollout(second.id)).toMatchObject({
        phase: "paused",
        canary: { weight: 30 },
      });
      expect(await world.get()).toMatchObject({ status: 200 });

      const resumed = await world.controller.promote(second.id, {
        actor: "bob",
        reason: "metrics look fine",
      });
      expect(resumed.message).toBe("step 2/4 resumed by bob: metrics look fine");
      const again = await world.waitFor(second.id, (r) => r.phase === "paused" && r.canary?.stepIndex === 3);
      expect(again.canary?.weight).toBe(60);

      await world.controller.promote(second.id, { actor: "bob", full: true });
      const done = await world.waitFinal(second.id);
      const counts = await traffic.stop();
      expect(done.phase).toBe("promoted");
      expect(counts.failed).toBe(0);
      expect([...counts.statuses.keys()]).toEqual([200]);
      expect(await world.get()).toEqual({ status: 200, version: "v2" });
      const events = await world.store.events({ rolloutId: second.id });
      expect(events.filter((e) => e.type === "rollout.resumed").map((e) => e.actor)).toEqual(["bob"]);
      expect(events.find((e) => e.type === "rollout.promoted")).toMatchObject({
        actor: "bob",
        message: "promoted web/production@v2 in full by bob; web/production@v1 stays warm",
      });
      // Nothing left to promote or abort once decided.
      await expect(world.controller.promote(second.id, { actor: "bob" })).rejects.toMatchObject({
        code: "SLIPWAY_CONFLICT",
      });
      await expect(world.controller.abort(second.id, { actor: "bob", reason: "late" })).rejects.toMatchObject(
        {
          code: "SLIPWAY_CONFLICT",
        },
      );
    },
  );

  it("abort sends all traffic back to stable at once", { timeout: 90_000 }, async () => {
    world = await withStable(MANUAL);
    const second = await world.deploy("v2");
    await world.waitFor(second.id, (r) => r.phase === "paused");
    const result = await world.controller.abort(second.id, { actor: "carol", reason: "checkout looks off" });
    expect(result.rollout).toMatchObject({ phase: "draining", outcome: "rolled-back" });
    // The switch back is done when abort returns.
    for (let i = 0; i < 5; i++) expect(await world.get()).toEqual({ status: 200, version: "v1" });
    const done = await world.waitFinal(second.id);
    expect(done).toMatchObject({ phase: "rolled-back", reason: "aborted by carol: checkout looks off" });
    await expect(world.controller.abort("r-999", { actor: "carol", reason: "x" })).rejects.toMatchObject({
      code: "SLIPWAY_NOT_FOUND",
    });
  });

  it("a held deploy waits for someone else's approval, then runs", { timeout: 90_000 }, async () => {
    world = await withStable(canaryYaml({ steps: ["- setWeight: 50", "- pause: 500ms"] }));
    const held = await world.controller.deploy({
      service: "web",
      environment: "production",
      version: "v2",
      actor: "alice",
      hold: { reason: "production needs an approval", approvers: [], expiryMs: 60_000 },
    });
    const id = held.rollout?.id ?? "";
    expect(held.rollout).toMatchObject({ phase: "awaiting-approval", approval: { requestedBy: "alice" } });
    // After a full tick it still waits and started nothing (it waits until its expiry, exactly:
    // sim/canary-time.test.ts).
    await tickOnce(world);
    expect((await world.store.getRollout(id))?.phase).toBe("awaiting-approval");
    expect(world.runtime.instances("web/production@v2")).toEqual([]);
    // A second deploy of the same version is refused while it waits (it holds the lock).
    await expect(world.deploy("v2")).rejects.toMatchObject({ code: "SLIPWAY_CONFLICT" });

    const own = world.controller.approve(id, { principal: { id: "u-1", name: "alice" }, verdict: "approve" });
    await expect(own).rejects.toMatchObject({ code: "SLIPWAY_FORBIDDEN" });
    const ok = await world.controller.approve(id, {
      principal: { id: "u-2", name: "bob" },
      verdict: "approve",
      comment: "go",
    });
    expect(ok.rollout?.phase).toBe("pending");
    const done = await world.waitFinal(id, 60_000);
    expect(done.phase).toBe("promoted");
    const types = (await world.store.events({ rolloutId: id })).map((e) => `${e.type} ${e.actor}`);
    expect(types.slice(0, 4)).toEqual([
      "rollout.created alice",
      "rollout.approval-requested alice",
      "rollout.approved u-2",
      "rollout.candidate-started controller",
    ]);
    await expect(
      world.controller.approve(id, { principal: { id: "u-3", name: "carol" }, verdict: "approve" }),
    ).rejects.toMatchObject({ code: "SLIPWAY_CONFLICT" });
  });
});
