import { describe, expect, it } from "vitest";
import { MemoryDeliveryLog } from "./deliveries.js";

describe("MemoryDeliveryLog", () => {
  it("answers true once per id inside the window", async () => {
    const log = new MemoryDeliveryLog({ windowMs: 1000 });
    expect(await log.firstSeen("d1", 0)).toBe(true);
    expect(await log.firstSeen("d1", 999)).toBe(false);
    expect(await log.firstSeen("d2", 999)).toBe(true);
  });

  it("forgets ids older than the window", async () => {
    const log = new MemoryDeliveryLog({ windowMs: 1000 });
    await log.firstSeen("d1", 0);
    expect(await log.firstSeen("d1", 1000)).toBe(true);
  });

  it("keeps at most maxEntries, dropping the oldest", async () => {
    const log = new MemoryDeliveryLog({ maxEntries: 2 });
    await log.firstSeen("a", 1);
    await log.firstSeen("b", 2);
    await log.firstSeen("c", 3);
    expect(log.size).toBe(2);
    expect(await log.firstSeen("a", 4)).toBe(true); // was dropped
    expect(await log.firstSeen("c", 4)).toBe(false);
  });

  it("forgets an id on request so a failed delivery can be redelivered", async () => {
    const log = new MemoryDeliveryLog();
    await log.firstSeen("d1", 0);
    await log.forget("d1");
    expect(await log.firstSeen("d1", 1)).toBe(true);
  });
});
