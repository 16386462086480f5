import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Rollout } from "../../src/core/rollout/types.js";
import { ACCESS_YAML, startApi, startWorld, type ApiHarness, type ApiJson, type World } from "./support.js";

let world: World;
let api: ApiHarness;
let admin: string;
let alice: string; // deployer
let bob: string; // deployer
let viewer: string;

beforeAll(async () => {
  world = await startWorld({}, ACCESS_YAML);
  api = await startApi(world, { sseHeartbeatMs: 200 });
  admin = (await api.token("admin", "root")).token;
  alice = (await api.token("deployer", "alice")).token;
  bob = (await api.token("deployer", "bob")).token;
  viewer = (await api.token("viewer", "carol")).token;
}, 60_000);

afterAll(async () => {
  await api?.close();
  await world?.close();
});

interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** Reads GET /api/events frame by frame. */
async function openEvents(token: string, lastEventId?: string) {
  const abort = new AbortController();
  const res = await fetch(`${api.base}/api/events`, {
    headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { "last-event-id": lastEventId } : {}) },
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const frames: SseFrame[] = [];
  const pump = async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += value;
      let end;
      while ((end = buffered.indexOf("\n\n")) >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const frame: SseFrame = {};
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) frame.comment = line.slice(1).trim();
          else {
            const colon = line.indexOf(":");
            const field = line.slice(0, colon) as keyof SseFrame;
            frame[field] = line.slice(colon + 1).trimStart();
          }
        }
        frames.push(frame);
      }
    }
  };
  const pumping = pump().catch(() => undefined);
  return {
    frames,
    async until(predicate: (frame: SseFrame) => boolean, timeoutMs = 20_000): Promise<SseFrame> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = frames.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no such event; got ${JSON.stringify(frames.slice(-5))}`);
        await new Promise((ok) => setTimeout(ok, 25));
      }
    },
    async close() {
      abort.abort();
      await pumping;
    },
  };
}

async function rolloutOf(id: string): Promise<Rollout> {
  const res = await api.call<{ rollout: Rollout }>("GET", `/api/rollouts/${id}`, { token: viewer });
  expect(res.status).toBe(200);
  return res.json.rollout;
}

async function waitFor(id: string, done: (r: Rollout) => boolean, timeoutMs = 40_000): Promise<Rollout> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rollout = await rolloutOf(id);
    if (done(rollout)) return rollout;
    if (Date.now() > deadline) throw new Error(`rollout ${id} stuck in ${rollout.phase}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

const deploy = (token: string, body: Record<string, unknown>) =>
  api.call<ApiJson & { rollout?: Rollout; message: string }>("POST", "/api/deployments", { token, body });

describe("GET /api/events", () => {
  it("streams a controller change after a deploy, heartbeats, and resumes from Last-Event-ID", async () => {
    // The server's own listeners (the flag catalog refreshes on every change) stay subscribed.
    const ownListeners = api.app.events.subscribers;
    const stream = await openEvents(viewer);
    try {
      const started = await deploy(admin, { service: "web", environment: "staging", version: "v1" });
      expect(started.status).toBe(202);
      const id = started.json.rollout!.id;
      const change = await stream.until((f) => f.event === "change" && f.data!.includes(`"${id}"`));
      const parsed = JSON.parse(change.data!) as { kind: string };
      expect(["event", "rollout"]).toContain(parsed.kind);
      expect(change.id).toMatch(/^\d+$/);
      await stream.until((f) => f.comment === "heartbeat", 5_000);
      await waitFor(id, (r) => r.phase === "promoted");

      // A client reconnecting with the first id it saw gets everything after it, in order.
      const firstId = Number(change.id);
      const seen = stream.frames.filter((f) => f.id !== undefined).map((f) => Number(f.id));
      const resumed = await openEvents(viewer, String(firstId));
      try {
        const last = seen[seen.length - 1]!;
        await resumed.until((f) => Number(f.id) === last);
        const replayed = resumed.frames.filter((f) => f.id !== undefined).map((f) => Number(f.id));
        expect(replayed.slice(0, seen.indexOf(last) - seen.indexOf(firstId))).toEqual(
          seen.slice(seen.indexOf(firstId) + 1, seen.indexOf(last) + 1),
        );
      } finally {
        await resumed.close();
      }
    } finally {
      await stream.close();
    }
    // Closed streams unsubscribe.
    const deadline = Date.now() + 5_000;
    while (api.app.events.subscribers > ownListeners && Date.now() < deadline)
      await new Promise((ok) => setTimeout(ok, 25));
    expect(api.app.events.subscribers).toBe(ownListeners);
  });

  it("needs credentials like any read route", async () => {
    expect((await fetch(`${api.base}/api/events`)).status).toBe(401);
  });

  it("forwards what other parts publish (run changes)", async () => {
    const stream = await openEvents(viewer);
    try {
      api.app.events.publish({ kind: "run", run: { runId: 42, status: "in_progress" } });
      const frame = await stream.until((f) => f.event === "change" && f.data!.includes('"kind":"run"'));
      expect(JSON.parse(frame.data!)).toEqual({ kind: "run", run: { runId: 42, status: "in_progress" } });
    } finally {
      await stream.close();
    }
  });
});

describe("freeze windows", () => {
  const body = { service: "web", environment: "frozen", version: "v1" };

  it("refuse deploys with 409 naming the window, for admins too unless they override", async () => {
    for (const token of [alice, admin]) {
      const refused = await deploy(token, body);
      expect(refused.status).toBe(409);
      expect(refused.json.error?.message).toMatch(
        /^frozen is in a freeze window \(test freeze\) until .*; an admin can override with a reason$/,
      );
    }
  });

  it("refuse a deployer's override with 403", async () => {
    const refused = await deploy(alice, { ...body, override: { reason: "hotfix" } });
    expect(refused.status).toBe(403);
    expect(refused.json.error?.message).toMatch(/only an admin can override it/);
  });

  it("let an admin override with a reason, which is audited", async () => {
    const overridden = await deploy(admin, { ...body, override: { reason: "CVE hotfix" } });
    expect(overridden.status).toBe(202);
    const id = overridden.json.rollout!.id;
    const apiAudit = world.db
      .prepare(
        "SELECT actor, reason, environment, message FROM audit_events WHERE type = 'api.deploy' AND reason LIKE '%CVE hotfix%'",
      )
      .all() as { actor: string; reason: string; environment: string; message: string }[];
    expect(apiAudit).toHaveLength(1);
    expect(apiAudit[0]).toMatchObject({ reason: "freeze override: CVE hotfix", environment: "frozen" });
    expect(apiAudit[0]!.message).toMatch(/^root POST \/api\/deployments → 202$/);
    const { json } = await api.call<{ events: { type: string; reason?: string }[] }>(
      "GET",
      `/api/rollouts/${id}`,
      {
        token: viewer,
      },
    );
    expect(json.events).toContainEqual(
      expect.objectContaining({ type: "rollout.freeze-override", reason: "CVE hotfix" }),
    );
    await waitFor(id, (r) => r.phase === "promoted");
  });
});

describe("approvals", () => {
  it("hold a production deploy; the requester cannot approve it, someone else can, and it proceeds", async () => {
    const held = await deploy(alice, { service: "web", environment: "production", version: "v1" });
    expect(held.status).toBe(202);
    const id = held.json.rollout!.id;
    expect(held.json.rollout!.phase).toBe("awaiting-approval");
    expect(held.json.message).toMatch(/waiting for approval/);

    const self = await api.call("POST", `/api/rollouts/${id}/approve`, { token: alice, body: {} });
    expect(self.status).toBe(403);
    const byViewer = await api.call("POST", `/api/rollouts/${id}/approve`, { token: viewer, body: {} });
    expect(byViewer.status).toBe(403);
    expect((await rolloutOf(id)).phase).toBe("awaiting-approval");

    const approved = await api.call("POST", `/api/rollouts/${id}/approve`, {
      token: bob,
      body: { comment: "looks good" },
    });
    expect(approved.status).toBe(202);
    const done = await waitFor(id, (r) => r.phase === "promoted");
    expect(done.outcome).toBe("promoted");
    expect((await world.get()).version).toBe("v1");
  });

  it("a rejection ends the held rollout without starting it", async () => {
    const held = await deploy(alice, { service: "web", environment: "production", version: "v2" });
    expect(held.status).toBe(202);
    const id = held.json.rollout!.id;
    const rejected = await api.call("POST", `/api/rollouts/${id}/reject`, {
      token: bob,
      body: { comment: "not today" },
    });
    expect(rejected.status).toBe(202);
    const done = await waitFor(id, (r) => r.phase !== "awaiting-approval");
    expect(done.phase).not.toBe("promoted");
    expect((await world.get()).version).toBe("v1");
  });
});
