import { describe, expect, it } from "vitest";
import { RepeatedFailureGate } from "./log-repeats.js";

describe("RepeatedFailureGate", () => {
  it("lets one identical failure through per interval and counts the ones held back", () => {
    const gate = new RepeatedFailureGate(60_000);
    const passed = Array.from({ length: 24 }, (_, i) => gate.pass("disk full", i * 400));
    expect(passed.filter((p) => p !== undefined)).toEqual([0]);
    expect(gate.pass("disk full", 60_000)).toBe(23);
  });

  it("logs a different failure at once, and again after a success", () => {
    const gate = new RepeatedFailureGate(60_000);
    expect(gate.pass("a", 0)).toBe(0);
    expect(gate.pass("b", 1)).toBe(0);
    expect(gate.pass("b", 2)).toBeUndefined();
    gate.reset();
    expect(gate.pass("b", 3)).toBe(0);
  });
});
