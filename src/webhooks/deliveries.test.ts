import { describe, expect, it } from "vitest";
import { MemoryDeliveryLog } from "./deliveries.js";
import { webhookDeliveryStoreContract } from "../store/contract/webhook-delivery.contract.js";

webhookDeliveryStoreContract("memory", (options) => new MemoryDeliveryLog(options));

describe("MemoryDeliveryLog", () => {
  it("stays within maxEntries", async () => {
    const log = new MemoryDeliveryLog({ maxEntries: 3 });
    for (let i = 0; i < 10; i++) await log.firstSeen(`d${i}`, i);
    expect(log.size).toBe(3);
  });
});
