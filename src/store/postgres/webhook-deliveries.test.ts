import { describe, expect, it } from "vitest";
import { webhookDeliveryStoreContract } from "../contract/webhook-delivery.contract.js";
import { PostgresWebhookDeliveryStore } from "./webhook-deliveries.js";
import { postgresStores } from "./test-support.js";

const { fresh, reopen } = postgresStores("deliveries");

webhookDeliveryStoreContract(
  "postgres",
  async (options) => new PostgresWebhookDeliveryStore((await fresh()).db, options),
);

describe("PostgresWebhookDeliveryStore", () => {
  it("remembers deliveries across a restart", async () => {
    const first = await fresh();
    expect(await first.webhookDeliveries.firstSeen("72d3162e", 1000)).toBe(true);
    const again = await reopen(first);
    await first.close();
    expect(await again.webhookDeliveries.firstSeen("72d3162e", 2000)).toBe(false);
  });
});
