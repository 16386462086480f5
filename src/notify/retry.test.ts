import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_RETRY, validateRetryPolicy } from "./retry.js";

const policy = { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 1000 };

describe("backoffDelay", () => {
  it("doubles the ceiling per attempt up to the cap (random at its top)", () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, top))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
  });

  it("spreads waits over [0, ceiling) with full jitter", () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
  });

  it("honours Retry-After as a floor, still capped", () => {
    expect(backoffDelay(1, policy, () => 0, 500)).toBe(500);
    expect(backoffDelay(1, policy, () => 0, 60_000)).toBe(1000);
  });
});

describe("validateRetryPolicy", () => {
  it("accepts the default and names what is wrong otherwise", () => {
    expect(validateRetryPolicy(DEFAULT_RETRY)).toEqual([]);
    expect(validateRetryPolicy({ maxAttempts: 0, baseDelayMs: -1, maxDelayMs: -2 })).toEqual([
      "maxAttempts must be an integer >= 1",
      "baseDelayMs must be >= 0",
      "maxDelayMs must be >= baseDelayMs",
    ]);
  });
});
