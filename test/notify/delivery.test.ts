import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryDeadLetterStore } from "../../src/notify/dead-letters.js";
import type { NotificationEvent } from "../../src/core/notify/events.js";
import { Notifier, type NotifierOptions } from "../../src/notify/notifier.js";
import { openStore, type DeadLetterStore } from "../../src/store/index.js";
import { startReceiver } from "./receiver.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(script: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(script);
  cleanups.push(r.close);
  return r;
}

async function sqliteDeadLetters(): Promise<{ store: DeadLetterStore }> {
  const dir = mkdtempSync(join(tmpdir(), "slipway-notify-"));
  const state = await openStore(join(dir, "slipway.db"));
  cleanups.push(async () => {
    await state.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store: state.deadLetters };
}

/** Captures the notifier's pino log lines so tests can assert what was (not) written. */
function capturedLog() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  return { log: pino({ level: "debug" }, stream), text: () => lines.join("") };
}

/** Records the waits instead of sleeping: the backoff is asserted, the suite stays fast. */
function recordedSleep() {
  const waits: number[] = [];
  return { sleep: (ms: number) => (waits.push(ms), Promise.resolve()), waits };
}

const promoted: NotificationEvent = {
  type: "rollout.promoted",
  rolloutId: "r-7",
  service: "api",
  environment: "production",
  version: "1.4.0",
  at: "2026-11-25T12:00:00.000Z",
  url: "http://127.0.0.1/rollouts/r-7",
};
const rolledBack: NotificationEvent = {
  type: "rollout.rolled_back",
  rolloutId: "r-8",
  service: "cart",
  environment: "staging",
  version: "2.0.0",
  toVersion: "1.9.9",
  reason: "p99 latency 2.3 s > 500 ms",
  automatic: true,
  at: "2026-11-25T12:05:00.000Z",
};
const retry = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 2000 };

function notifier(options: Partial<NotifierOptions> & Pick<NotifierOptions, "channels">) {
  return new Notifier({ deadLetters: new MemoryDeadLetterStore(), retry, random: () => 0.5, ...options });
}

describe("notification delivery to a real HTTP receiver", () => {
  it("retries a webhook that fails twice, then delivers the same signed notification", async () => {
    const hook = await receiver((n) => ({ status: n <= 2 ? 503 : 204 }));
    const { sleep, waits } = recordedSleep();
    const n = notifier({
      channels: [{ kind: "webhook", name: "ops", url: hook.url(), signingSecret: "shh-signing-key" }],
      sleep,
    });
    const { notification, results } = await n.notify(promoted);

    expect(results).toEqual([{ channel: "ops", outcome: "delivered", attempts: 3 }]);
    expect(hook.requests).toHaveLength(3);
    expect(waits).toEqual([50, 100]); // full jitter at random()=0.5 over ceilings 100, 200
    const ids = hook.requests.map((r) => r.headers["x-slipway-delivery"]);
    expect(new Set(ids)).toEqual(new Set([notification.id]));
    const last = hook.requests[2]!;
    expect(last.headers["content-type"]).toBe("application/json");
    expect(last.headers["x-slipway-event"]).toBe("rollout.promoted");
    expect(JSON.parse(last.body)).toEqual({
      id: notification.id,
      type: "rollout.promoted",
      text: "api 1.4.0 is live in production\nPromoted automatically after analysis passed\nhttp://127.0.0.1/rollouts/r-7",
      event: promoted,
    });
    const expected = `sha256=${createHmac("sha256", "shh-signing-key").update(last.body).digest("hex")}`;
    expect(last.headers["x-slipway-signature-256"]).toBe(expected);
  });

  it("posts Slack's incoming-webhook format", async () => {
    const slack = await receiver(() => ({ status: 200, body: "ok" }));
    const n = notifier({
      channels: [{ kind: "slack", name: "deploys", url: slack.url("/services/T0/B0/abc") }],
    });
    const { results } = await n.notify(rolledBack);
    expect(results).toEqual([{ channel: "deploys", outcome: "delivered", attempts: 1 }]);
    const body = JSON.parse(slack.requests[0]!.body) as { text: string; blocks: { type: string }[] };
    expect(body.text).toBe("cart 2.0.0 was rolled back in staging");
    expect(body.blocks.map((b) => b.type)).toEqual(["section", "context"]);
    expect(slack.requests[0]!.body).toContain("Reason: p99 latency 2.3 s &gt; 500 ms");
  });

  it("only sends a channel the events it subscribed to", async () => {
    const hook = await receiver(() => ({ status: 200 }));
    const n = notifier({
      channels: [
        { kind: "webhook", name: "failures-only", url: hook.url(), events: ["rollout.rolled_back"] },
      ],
    });
    expect((await n.notify(promoted)).results).toEqual([]);
    expect((await n.notify(rolledBack)).results).toMatchObject([{ outcome: "delivered" }]);
    expect(hook.requests).toHaveLength(1);
  });

  it("dead-letters into SQLite after the retry budget, then re-sends once the receiver recovers", async () => {
    const hook = await receiver(() => ({ status: 500 }));
    const { store } = await sqliteDeadLetters();
    const { sleep, waits } = recordedSleep();
    let t = 1_764_072_000_000;
    const n = notifier({
      channels: [{ kind: "webhook", name: "ops", url: hook.url() }],
      deadLetters: store,
      sleep,
      now: () => (t += 10),
    });
    const { notification, results } = await n.notify(promoted);

    expect(hook.requests).toHaveLength(4);
    expect(waits).toHaveLength(3);
    expect(results).toMatchObject([
      { channel: "ops", outcome: "dead-lettered", attempts: 4, error: "HTTP 500" },
    ]);
    const [letter] = await store.list();
    expect(letter).toMatchObject({ channel: "ops", attempts: 4, lastError: "HTTP 500", notification });

    // Still down: the re-send fails, the letter stays with the attempts added up.
    expect(await n.resend(letter!.id)).toMatchObject({ outcome: "failed", letter: { attempts: 5 } });
    expect(await store.get(letter!.id)).toMatchObject({ attempts: 5 });

    hook.setScript(() => ({ status: 200 }));
    expect(await n.resend(letter!.id)).toEqual({ outcome: "delivered", attempts: 1 });
    expect(await store.count()).toBe(0);
    expect(hook.requests.at(-1)!.headers["x-slipway-delivery"]).toBe(notification.id);
    expect(await n.resend(letter!.id)).toEqual({ outcome: "not-found" });
  });

  it("dead-letters at once on a permanent failure (410 Gone)", async () => {
    const slack = await receiver(() => ({ status: 410, body: "channel_is_archived" }));
    const deadLetters = new MemoryDeadLetterStore();
    const n = notifier({ channels: [{ kind: "slack", name: "old", url: slack.url() }], deadLetters });
    expect((await n.notify(promoted)).results).toMatchObject([
      { outcome: "dead-lettered", attempts: 1, error: "HTTP 410" },
    ]);
    expect(slack.requests).toHaveLength(1);
    expect(await deadLetters.count()).toBe(1);
  });

  it("waits at least a 429's Retry-After before trying again", async () => {
    const hook = await receiver((n) =>
      n === 1 ? { status: 429, headers: { "retry-after": "1" } } : { status: 200 },
    );
    const { sleep, waits } = recordedSleep();
    const n = notifier({ channels: [{ kind: "webhook", name: "ops", url: hook.url() }], sleep });
    expect((await n.notify(promoted)).results).toMatchObject([{ outcome: "delivered", attempts: 2 }]);
    expect(waits).toEqual([1000]);
  });

  it("times out a receiver that never answers and treats it as retryable", async () => {
    const hook = await receiver((n) => (n === 1 ? "hang" : { status: 200 }));
    const n = notifier({
      channels: [{ kind: "webhook", name: "slow", url: hook.url() }],
      timeoutMs: 300,
      sleep: recordedSleep().sleep,
    });
    expect((await n.notify(promoted)).results).toMatchObject([{ outcome: "delivered", attempts: 2 }]);
  });

  it("never writes a channel's URL token or header secrets to logs or dead letters", async () => {
    // A port with nothing listening: connection refused on every attempt.
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const secretPath = "/services/T0123/B0456/s3cr3tT0kenValue";
    const failing = await receiver(() => ({ status: 503 }));
    const { log, text } = capturedLog();
    const deadLetters = new MemoryDeadLetterStore();
    const n = notifier({
      channels: [
        { kind: "slack", name: "refused", url: `http://127.0.0.1:${closed}${secretPath}` },
        {
          kind: "webhook",
          name: "auth",
          url: failing.url("/in?token=qs-secret-123"),
          headers: { authorization: "Bearer hdr-secret-456" },
        },
      ],
      deadLetters,
      log,
      sleep: recordedSleep().sleep,
    });
    const { results } = await n.notify(promoted);
    expect(results.map((r) => r.outcome)).toEqual(["dead-lettered", "dead-lettered"]);
    const everything = text() + JSON.stringify(await deadLetters.list()) + JSON.stringify(results);
    expect(everything).toContain('"channel":"refused"');
    expect(everything).toMatch(/ECONNREFUSED/);
    for (const secret of ["s3cr3tT0kenValue", "qs-secret-123", "hdr-secret-456", secretPath]) {
      expect(everything).not.toContain(secret);
    }
  });
});
