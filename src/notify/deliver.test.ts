import { describe, expect, it } from "vitest";
import type { SendResult } from "./channels/channel.js";
import { deliverWithRetry } from "./deliver.js";
import type { Notification } from "../core/notify/events.js";

const notification: Notification = {
  id: "n1",
  event: { type: "rollout.promoted", rolloutId: "r", service: "s", environment: "e", version: "1", at: "t" },
};
const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 10_000 };

function scripted(results: SendResult[]) {
  let calls = 0;
  return {
    send: () => Promise.resolve(results[Math.min(calls++, results.length - 1)]!),
    calls: () => calls,
  };
}

describe("deliverWithRetry", () => {
  it("retries retryable failures with growing waits until delivered", async () => {
    const fail: SendResult = { ok: false, retryable: true, error: "HTTP 503" };
    const sender = scripted([fail, fail, { ok: true, status: 200 }]);
    const waits: number[] = [];
    const result = await deliverWithRetry(sender.send, notification, policy, {
      sleep: (ms) => (waits.push(ms), Promise.resolve()),
      random: () => 0.5,
    });
    expect(result).toEqual({ outcome: "delivered", attempts: 3 });
    expect(waits).toEqual([50, 100]);
  });

  it("gives up after maxAttempts with the last error", async () => {
    const sender = scripted([{ ok: false, retryable: true, error: "connect ECONNREFUSED" }]);
    const failures: number[] = [];
    const result = await deliverWithRetry(sender.send, notification, policy, {
      sleep: () => Promise.resolve(),
      random: () => 0,
      onFailure: (f) => failures.push(f.attempt),
    });
    expect(result).toEqual({
      outcome: "failed",
      attempts: 4,
      error: "connect ECONNREFUSED",
      permanent: false,
    });
    expect(failures).toEqual([1, 2, 3, 4]);
  });

  it("stops at once on a permanent failure", async () => {
    const sender = scripted([{ ok: false, retryable: false, error: "HTTP 410" }]);
    const result = await deliverWithRetry(sender.send, notification, policy, {
      sleep: () => Promise.reject(new Error("must not wait")),
      random: () => 0,
    });
    expect(result).toEqual({ outcome: "failed", attempts: 1, error: "HTTP 410", permanent: true });
    expect(sender.calls()).toBe(1);
  });
});
