import { describe, expect, it } from "vitest";
import type { DeadLetter, DeadLetterStore } from "../ports/dead-letter-store.js";

/** One behaviour for every DeadLetterStore adapter. */
export function deadLetterStoreContract(
  adapter: string,
  makeStore: () => DeadLetterStore | Promise<DeadLetterStore>,
): void {
  const letter = (id: string, createdAt: number, channel = "slack-deploys"): DeadLetter => ({
    id,
    channel,
    notification: {
      id: `n-${id}`,
      event: {
        type: "rollout.promoted",
        rolloutId: "r1",
        service: "api",
        environment: "production",
        version: "1.4.0",
        at: "2026-11-25T12:00:00.000Z",
      },
    },
    attempts: 5,
    lastError: "HTTP 503",
    createdAt,
    lastAttemptAt: createdAt,
  });

  describe(`DeadLetterStore contract: ${adapter}`, () => {
    it("keeps letters whole and lists them newest first, by channel and page", async () => {
      const store = await makeStore();
      await store.add(letter("a", 1));
      await store.add(letter("b", 3, "ops-webhook"));
      await store.add(letter("c", 2));
      expect(await store.get("a")).toEqual(letter("a", 1));
      expect(await store.get("zzz")).toBeUndefined();
      expect((await store.list()).map((l) => l.id)).toEqual(["b", "c", "a"]);
      expect((await store.list({ channel: "slack-deploys" })).map((l) => l.id)).toEqual(["c", "a"]);
      expect((await store.list({ limit: 1 })).map((l) => l.id)).toEqual(["b"]);
      expect(await store.count()).toBe(3);
    });

    it("records a failed re-send and removes a delivered one", async () => {
      const store = await makeStore();
      await store.add(letter("a", 1));
      await store.recordFailure("a", { attempts: 8, lastError: "HTTP 410", at: 99 });
      expect(await store.get("a")).toMatchObject({
        attempts: 8,
        lastError: "HTTP 410",
        lastAttemptAt: 99,
        createdAt: 1,
      });
      expect(await store.remove("a")).toBe(true);
      expect(await store.remove("a")).toBe(false);
      expect(await store.count()).toBe(0);
    });
  });
}
