import { describe, expect, it } from "vitest";
import type { WebhookDeliveryStore } from "../ports/webhook-delivery-store.js";

/** One behaviour for every WebhookDeliveryStore adapter; `make` gets the window to enforce. */
export function webhookDeliveryStoreContract(
  adapter: string,
  make: (options: {
    maxEntries: number;
    windowMs: number;
  }) => WebhookDeliveryStore | Promise<WebhookDeliveryStore>,
): void {
  describe(`WebhookDeliveryStore contract: ${adapter}`, () => {
    it("answers true once per id inside the window, and again after it", async () => {
      const log = await make({ maxEntries: 100, windowMs: 1000 });
      expect(await log.firstSeen("d1", 0)).toBe(true);
      expect(await log.firstSeen("d1", 999)).toBe(false);
      expect(await log.firstSeen("d2", 999)).toBe(true);
      expect(await log.firstSeen("d1", 1000)).toBe(true);
    });

    it("keeps at most maxEntries, dropping the oldest", async () => {
      const log = await make({ maxEntries: 2, windowMs: 1_000_000 });
      await log.firstSeen("a", 1);
      await log.firstSeen("b", 2);
      await log.firstSeen("c", 3);
      expect(await log.firstSeen("c", 4)).toBe(false);
      expect(await log.firstSeen("a", 4)).toBe(true);
    });

    it("answers true to exactly one of concurrent calls for one id", async () => {
      const log = await make({ maxEntries: 100, windowMs: 1000 });
      const answers = await Promise.all(Array.from({ length: 6 }, () => log.firstSeen("same", 10)));
      expect(answers.filter(Boolean)).toHaveLength(1);
    });

    it("forgets an id on request", async () => {
      const log = await make({ maxEntries: 100, windowMs: 1000 });
      await log.firstSeen("d1", 0);
      await log.forget("d1");
      expect(await log.firstSeen("d1", 1)).toBe(true);
    });
  });
}
