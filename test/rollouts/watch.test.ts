/**
 * The post-promotion watch, end to end, from the reproduction: a release promoted after its
 * analysis window, its previous revision stopped, then a crash loop (the fixture app dies as soon
 * as a marker file exists, as a leaking service runs out of heap). Real processes, the real proxy,
 * real SQLite, and notifications delivered over HTTP to a real receiver.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { announceRollouts, RolloutAnnouncer } from "../../src/notify/announce.js";
import { MemoryDeadLetterStore } from "../../src/notify/dead-letters.js";
import { Notifier } from "../../src/notify/notifier.js";
import type { Rollout } from "../../src/core/rollout/types.js";
import { startReceiver, type ReceivedRequest } from "../notify/receiver.js";
import { projectYaml, startWorld, withoutBaselineTrigger, type World } from "./world.js";

const MARKER = "out-of-memory";
const CRASH_LOOP = { CRASH_WHEN_FILE: MARKER };

let world: World | undefined;
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
afterEach(async () => {
  await world?.close();
  await receiver?.close();
  world = undefined;
  receiver = undefined;
}, 30_000);

/** The e2e project's slipway.yaml with a short analysis window and the given `watch` settings. */
const yamlWith = (watch: string) =>
  withoutBaselineTrigger(projectYaml("1s")).replace(
    "    drainTimeout: 2s\n",
    `    drainTimeout: 2s\n    watch: ${watch}\n`,
  );

/** Notifications of the world's controller go to a real HTTP receiver, as the server sends them. */
async function notifyingWorld(faults: Record<string, Record<string, string>>, yaml: string) {
  receiver = await startReceiver(() => ({ status: 200 }));
  world = await startWorld(faults, yaml);
  const notifier = new Notifier({
    channels: [{ kind: "webhook", name: "ops", url: receiver.url("/ops") }],
    deadLetters: new MemoryDeadLetterStore(),
  });
  const announcer = new RolloutAnnouncer();
  const subscribe = (w: World) =>
    announceRollouts(w.controller, (event) => notifier.notify(event), announcer);
  return { world, receiver, resubscribe: () => subscribe(world!), unsubscribe: subscribe(world) };
}

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

type Received = { type: string; event: Record<string, unknown> };
const received = (requests: ReceivedRequest[], type: string): Received | undefined =>
  requests.map((r) => JSON.parse(r.body) as Received).find((b) => b.type === type);

const newest = async (w: World): Promise<Rollout | undefined> =>
  (await w.store.list({ service: "web", environment: "production", limit: 1 }))[0];

/** Deploys v1 then v2 to promotion, and waits until v1's processes are gone (the reproduction). */
async function promoteV2(w: World): Promise<Rollout> {
  expect((await w.waitFinal((await w.deploy("v1")).id)).phase).toBe("promoted");
  const v2 = await w.waitFinal((await w.deploy("v2")).id);
  expect(v2.phase).toBe("promoted");
  expect(w.runtime.instances("web/production@v1").filter((i) => i.state !== "stopped")).toEqual([]);
  expect(await w.get()).toEqual({ status: 200, version: "v2" });
  return v2;
}

/** Polls through the proxy until `version` answers 200. */
async function servedBy(w: World, version: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
    const r = await w.get();
    if (r.status === 200 && r.version === version) return;
  }
  throw new Error(`${version} never served again`);
}

describe("after promotion: the watch", () => {
  it("rolls a release that crash-loops after promotion back to the previous release, audited and notified, across a control-plane restart", async () => {
    const {
      world: w,
      receiver: r,
      resubscribe,
      unsubscribe,
    } = await notifyingWorld({ v1: {}, v2: CRASH_LOOP }, yamlWith("{ window: 5m, downAfter: 30s }"));
    const v2 = await promoteV2(w);
    // The watch's state lives in the Store: a restarted control plane keeps watching v2.
    unsubscribe();
    await w.restart();
    resubscribe();

    writeFileSync(join(w.dir, "web", MARKER), "");

    const back = await until("an automatic rollback", async () => {
      const n = await newest(w);
      return n && n.kind === "rollback" ? n : undefined;
    });
    expect(back).toMatchObject({
      actor: "controller",
      candidate: { version: "v1" },
      stable: { version: "v2" },
    });
    expect(back.reason).toMatch(
      /^web\/production@v2 failed .* after its promotion: candidate instance crashed/,
    );
    expect((await w.waitFinal(back.id)).phase).toBe("promoted");
    await servedBy(w, "v1");

    const created = (await w.store.events({ rolloutId: back.id })).find((e) => e.type === "rollout.created");
    expect(created).toMatchObject({ actor: "controller", reason: back.reason });
    expect((await w.store.getRollout(v2.id))?.outcome).toBe("promoted");

    const note = await until("the rollback notification", () => received(r.requests, "rollout.rolled_back"));
    expect(note.event).toMatchObject({
      service: "web",
      environment: "production",
      version: "v2",
      toVersion: "v1",
      automatic: true,
      reason: back.reason,
    });
  }, 120_000);

  it("with automatic rollback off, reports the crash loop as service.down (and notifies), then service.recovered after a manual rollback", async () => {
    const { world: w, receiver: r } = await notifyingWorld(
      { v1: {}, v2: CRASH_LOOP },
      yamlWith("{ rollback: false, downAfter: 1s }"),
    );
    const v2 = await promoteV2(w);
    writeFileSync(join(w.dir, "web", MARKER), "");

    const down = await until("service.down", async () =>
      (await w.store.events({ service: "web", environment: "production" })).find(
        (e) => e.type === "service.down",
      ),
    );
    expect(down).toMatchObject({ actor: "controller", message: "web/production@v2 is down" });
    expect(down.reason).toMatch(
      /automatic rollback is off for this environment; `slipway rollback web --env production --reason TEXT` returns to v1/,
    );
    // The watch reported instead of rolling back: v2's rollout is still the newest, and nothing serves.
    expect((await newest(w))?.id).toBe(v2.id);
    expect((await w.get()).status).toBeGreaterThanOrEqual(500);
    const downNote = await until("the service.down notification", () => received(r.requests, "service.down"));
    expect(downNote.event).toMatchObject({
      service: "web",
      environment: "production",
      version: "v2",
      reason: down.reason,
    });

    // What the user did by hand in the reproduction; the watch then says the service is back.
    await w.controller.rollback({
      service: "web",
      environment: "production",
      reason: "v2 crash loop",
      actor: "alice",
    });
    await servedBy(w, "v1");
    const recovered = await until("service.recovered", async () =>
      (await w.store.events({ service: "web", environment: "production" })).find(
        (e) => e.type === "service.recovered",
      ),
    );
    expect(recovered.message).toBe("web/production@v1 serves again");
    const upNote = await until("the service.recovered notification", () =>
      received(r.requests, "service.recovered"),
    );
    expect(upNote.event).toMatchObject({ version: "v1" });
  }, 120_000);

  it("does not loop when the previous release fails too: one rollback, then service.down saying so", async () => {
    const { world: w, receiver: r } = await notifyingWorld(
      { v1: CRASH_LOOP, v2: CRASH_LOOP },
      // Long enough that the rollback attempt is decided first; then the supervisor giving up on
      // v2 is what reports it down.
      yamlWith("{ window: 5m, downAfter: 5m }"),
    );
    await promoteV2(w);
    writeFileSync(join(w.dir, "web", MARKER), "");

    const down = await until("service.down", async () =>
      (await w.store.events({ service: "web", environment: "production" })).find(
        (e) => e.type === "service.down",
      ),
    );
    expect(down.reason).toMatch(/^the supervisor gave up on .* of web\/production@v2/);
    expect(down.reason).toMatch(
      /the rollback to v1 failed \(candidate crashed on start.*\): not rolling back again$/,
    );
    const rollbacks = (await w.store.list({ service: "web", environment: "production" })).filter(
      (x) => x.kind === "rollback",
    );
    expect(rollbacks).toHaveLength(1);
    await until("the service.down notification", () => received(r.requests, "service.down"));
  }, 120_000);
});
