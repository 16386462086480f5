import { describe, expect, it } from "vitest";
import { parseDuration } from "./duration.js";
import { closest, editDistance } from "./config/suggest.js";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["2s", 2000],
    ["1.5s", 1500],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["1m30s", 90_000],
    ["1h30m", 5_400_000],
    ["0", 0],
    ["0s", 0],
  ])("%s is %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "2", "30 seconds", "-1s", "1d", "s", "1.s", "2s 1m"])("refuses %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe("did-you-mean", () => {
  it("counts a swap of neighbours as one edit", () => {
    expect(editDistance("replcias", "replicas")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });

  it("suggests the closest key within a third of its length, or nothing", () => {
    const keys = ["replicas", "readiness", "routes", "retries"];
    expect(closest("replcas", keys)).toBe("replicas");
    expect(closest("Routes", keys)).toBe("routes");
    expect(closest("zzz", keys)).toBeUndefined();
  });
});
