import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeadLetter } from "../../src/store/ports/dead-letter-store.js";
import { startHooksWorld, type HooksWorld } from "../runs-api/support.js";
import { startReceiver, type ReceivedRequest } from "./receiver.js";

const FAILING = `name: Nightly
on: { workflow_dispatch: {} }
jobs:
  build: { runs-on: ubuntu-latest, steps: [{ run: "echo ok" }] }
  test:
    needs: build
    runs-on: ubuntu-latest
    steps: [{ run: "echo broken && exit 1" }]
`;
/** Part of the dead channel's URL: a credential, so it must never show in the API. */
const DEAD_PATH = "t0ps3cr3t-path";

let h: HooksWorld;
let ops: Awaited<ReturnType<typeof startReceiver>>;
let dead: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  ops = await startReceiver((n) => ({ status: n <= 2 ? 503 : 200 }));
  dead = await startReceiver(() => ({ status: 503 }));
  const deadUrl = new URL(dead.url(`/${DEAD_PATH}`));
  h = await startHooksWorld({
    workflows: { "nightly.yml": FAILING },
    extraYaml: `notifications:
  retry: { maxAttempts: 3, baseDelay: 10ms, maxDelay: 50ms }
  channels:
    - name: ops
      kind: webhook
      url: ${ops.url("/ops")}
      signingSecret: \${OPS_SIGNING}
      events: [run.failed, rollout.started, rollout.promoted]
    - name: dead
      kind: webhook
      url: ${deadUrl.origin}/\${DEAD_PATH}
      events: [run.failed]
`,
    env: { OPS_SIGNING: "ops-signing-key", DEAD_PATH },
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await ops?.close();
  await dead?.close();
}, 30_000);

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const bodyOf = (r: ReceivedRequest) =>
  JSON.parse(r.body) as { id: string; type: string; event: Record<string, unknown> };

describe("notifications from a real server", () => {
  let runId = "";

  it("retries a failed run's notification until the receiver takes it, with one id throughout", async () => {
    const started = await h.api.call<{ run: { runId: string } }>("POST", "/api/runs", {
      token: h.token,
      body: { workflow: "nightly.yml" },
    });
    expect(started.status).toBe(202);
    runId = started.json.run.runId;
    expect((await h.waitRun(runId)).conclusion).toBe("failure");
    const received = await until("3 attempts at ops", () =>
      ops.requests.length >= 3 ? ops.requests : undefined,
    );
    expect(received).toHaveLength(3);
    const ids = new Set(received.map((r) => r.headers["x-slipway-delivery"]));
    expect(ids.size).toBe(1);
    expect(
      received.every((r) => r.headers["x-slipway-signature-256"]?.toString().startsWith("sha256=")),
    ).toBe(true);
    expect(bodyOf(received[2]!)).toMatchObject({
      type: "run.failed",
      event: { runId, workflow: "Nightly", failedJobs: ["test"] },
    });
  }, 60_000);

  it("dead-letters what a channel refused through the whole budget, visible in the API without its URL", async () => {
    await until("3 attempts at dead", () => (dead.requests.length >= 3 ? true : undefined));
    let letters: DeadLetter[] = [];
    for (let i = 0; i < 100 && letters.length === 0; i++) {
      const answer = await h.api.call<{ deadLetters: DeadLetter[]; channels: unknown[] }>(
        "GET",
        "/api/dead-letters",
        {
          token: h.token,
        },
      );
      expect(answer.status).toBe(200);
      letters = answer.json.deadLetters;
      expect(JSON.stringify(answer.json)).not.toContain(DEAD_PATH);
      expect(JSON.stringify(answer.json)).not.toContain("ops-signing-key");
      if (letters.length === 0) await sleep(50);
    }
    expect(letters).toMatchObject([
      {
        channel: "dead",
        attempts: 3,
        lastError: "HTTP 503",
        notification: { event: { type: "run.failed", runId } },
      },
    ]);
    expect(dead.requests).toHaveLength(3);
  });

  it("re-sends a dead letter on request: failing again keeps it, delivered removes it", async () => {
    const [letter] = (
      await h.api.call<{ deadLetters: DeadLetter[] }>("GET", "/api/dead-letters", { token: h.token })
    ).json.deadLetters;
    const again = await h.api.call<{ error: { message: string }; deadLetter: DeadLetter }>(
      "POST",
      `/api/dead-letters/${letter!.id}/resend`,
      { token: h.token },
    );
    expect(again.status).toBe(502);
    expect(again.json.error.message).toBe("channel dead did not take it: HTTP 503 (4 attempts in all)");
    dead.setScript(() => ({ status: 200 }));
    const sent = await h.api.call("POST", `/api/dead-letters/${letter!.id}/resend`, { token: h.token });
    expect(sent).toMatchObject({ status: 200, json: { outcome: "delivered", delivered: true } });
    expect(dead.requests).toHaveLength(5);
    expect(new Set(dead.requests.map((r) => r.headers["x-slipway-delivery"])).size).toBe(1);
    const after = await h.api.call<{ deadLetters: DeadLetter[] }>("GET", "/api/dead-letters", {
      token: h.token,
    });
    expect(after.json.deadLetters).toEqual([]);
    expect(
      (await h.api.call("POST", `/api/dead-letters/${letter!.id}/resend`, { token: h.token })).status,
    ).toBe(404);
  });

  it("announces a rollout's start and promotion from the controller's changes", async () => {
    const deployed = await h.api.call<{ rollout: { id: string } }>("POST", "/api/deployments", {
      token: h.token,
      body: { service: "web", environment: "production", version: "v1" },
    });
    expect(deployed.status).toBe(202);
    const id = deployed.json.rollout.id;
    await h.world.waitFinal(id, 40_000);
    const types = await until("started and promoted", () => {
      const seen = ops.requests
        .filter((r) => r.headers["x-slipway-event"] !== "run.failed")
        .map((r) => bodyOf(r));
      return seen.length >= 2 ? seen : undefined;
    });
    expect(types.map((t) => [t.type, t.event.rolloutId, t.event.version])).toEqual([
      ["rollout.started", id, "v1"],
      ["rollout.promoted", id, "v1"],
    ]);
  }, 60_000);

  it("re-reads notifications when slipway.yaml changes: a channel added takes the next notification, no restart; a change that does not load keeps the channels", async () => {
    const later = await startReceiver(() => ({ status: 200 }));
    try {
      const file = join(h.world.dir, "slipway.yaml");
      const before = readFileSync(file, "utf8");
      const addChannel = (yaml: string) => {
        expect(before).toContain("    - name: dead\n");
        writeFileSync(file, before.replace("    - name: dead\n", `${yaml}    - name: dead\n`));
      };
      const failRun = async () => {
        const started = await h.api.call<{ run: { runId: string } }>("POST", "/api/runs", {
          token: h.token,
          body: { workflow: "nightly.yml" },
        });
        expect(started.status).toBe(202);
        return started.json.run.runId;
      };
      addChannel(
        `    - name: later\n      kind: webhook\n      url: ${later.url("/later")}\n      events: [run.failed]\n`,
      );
      const listed = await h.api.call<{ channels: { name: string }[] }>("GET", "/api/dead-letters", {
        token: h.token,
      });
      expect(listed.json.channels.map((c) => c.name)).toEqual(["ops", "later", "dead"]);
      const first = await failRun();
      await until("run.failed at the added channel", () =>
        later.requests.some((r) => bodyOf(r).event.runId === first) ? true : undefined,
      );

      // `${UNSET}` cannot be resolved: the change is refused and the channels that worked stay.
      addChannel(
        `    - name: later\n      kind: webhook\n      url: ${later.url("/later")}\n      events: [run.failed]\n` +
          "    - name: broken\n      kind: webhook\n      url: http://127.0.0.1:9/${UNSET_SECRET}\n",
      );
      const second = await failRun();
      await until("run.failed at the kept channel", () =>
        later.requests.some((r) => bodyOf(r).event.runId === second) ? true : undefined,
      );
      const kept = await h.api.call<{ channels: { name: string }[] }>("GET", "/api/dead-letters", {
        token: h.token,
      });
      expect(kept.json.channels.map((c) => c.name)).toEqual(["ops", "later", "dead"]);
      writeFileSync(file, before);
    } finally {
      await later.close();
    }
  }, 60_000);
});
