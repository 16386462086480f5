import { afterEach, describe, expect, it } from "vitest";
import type { Notification } from "../../src/core/notify/events.js";
import { senderFor, type ChannelConfig } from "../../src/notify/channels/channel.js";
import { undiciTransport } from "../../src/notify/channels/http-transport.js";
import { startReceiver, type ReceivedRequest } from "./receiver.js";

/**
 * The notifier channel port's promises, for one attempt of one HTTP channel against a real
 * receiver on loopback: a 2xx is delivered; a busy or broken receiver (5xx, 429, no answer) is
 * retryable, with a 429's Retry-After kept; a permanent refusal (4xx) is not; an error never
 * carries the channel's secrets (its URL is the credential). Retries and dead letters sit around
 * the port (Notifier) and are tested in delivery.test.ts.
 */
export function channelContract(
  label: string,
  makeChannel: (url: string) => ChannelConfig,
  /** What a delivered request looks like for this channel (method, body shape). */
  delivered: (request: ReceivedRequest, notification: Notification) => void,
): void {
  const notification: Notification = {
    id: "n-1",
    event: {
      type: "rollout.promoted",
      rolloutId: "r-7",
      service: "api",
      environment: "production",
      version: "1.4.0",
      at: "2026-11-25T12:00:00.000Z",
      url: "http://127.0.0.1/rollouts/r-7",
    },
  };
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  async function channelAt(script: Parameters<typeof startReceiver>[0], timeoutMs = 5_000) {
    const receiver = await startReceiver(script);
    closers.push(receiver.close);
    const secretPath = "/services/T000/B000/s3cr3t-token";
    const send = senderFor(makeChannel(receiver.url(secretPath)), { http: undiciTransport, timeoutMs });
    return { send, receiver, secretPath };
  }

  describe(`notifier channel contract: ${label}`, () => {
    it("delivers on a 2xx, in the channel's own format", async () => {
      const { send, receiver } = await channelAt(() => ({ status: 200 }));
      expect(await send(notification)).toEqual({ ok: true, status: 200 });
      expect(receiver.requests).toHaveLength(1);
      delivered(receiver.requests[0]!, notification);
    });

    it("calls a 5xx retryable and a 4xx permanent", async () => {
      const busy = await channelAt(() => ({ status: 503 }));
      expect(await busy.send(notification)).toMatchObject({ ok: false, retryable: true, error: "HTTP 503" });
      const gone = await channelAt(() => ({ status: 410 }));
      expect(await gone.send(notification)).toMatchObject({ ok: false, retryable: false, error: "HTTP 410" });
    });

    it("keeps a 429's Retry-After for the retry policy", async () => {
      const { send } = await channelAt(() => ({ status: 429, headers: { "retry-after": "7" } }));
      expect(await send(notification)).toMatchObject({ ok: false, retryable: true, retryAfterMs: 7_000 });
    });

    it("gives up on a receiver that never answers, retryably, within its timeout", async () => {
      const { send } = await channelAt(() => "hang", 300);
      expect(await send(notification)).toMatchObject({ ok: false, retryable: true });
    });

    it("never puts the channel's URL (its credential) in an error", async () => {
      const { send, receiver, secretPath } = await channelAt(() => ({ status: 200 }));
      await receiver.close();
      const result = await send(notification);
      expect(result).toMatchObject({ ok: false, retryable: true });
      expect(JSON.stringify(result)).not.toContain(secretPath.split("/").at(-1));
    });
  });
}
