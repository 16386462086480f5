import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../core/defaults.js";
import { createApiRateLimiter, rateLimitHeaders, TokenBucketLimiter } from "./rate-limit.js";

function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("TokenBucketLimiter", () => {
  it("allows a burst of `capacity`, then refuses with the wait until the next token", () => {
    const time = clock();
    const limiter = new TokenBucketLimiter({ capacity: 3, refillPerSecond: 2, now: time.now });
    expect([1, 2, 3].map(() => limiter.take("t1"))).toEqual([
      { allowed: true, limit: 3, remaining: 2 },
      { allowed: true, limit: 3, remaining: 1 },
      { allowed: true, limit: 3, remaining: 0 },
    ]);
    expect(limiter.take("t1")).toEqual({ allowed: false, limit: 3, remaining: 0, retryAfterMs: 500 });
    time.advance(499);
    expect(limiter.take("t1").allowed).toBe(false);
    time.advance(1);
    expect(limiter.take("t1").allowed).toBe(true);
  });

  it("keeps one bucket per key and never refills beyond capacity", () => {
    const time = clock();
    const limiter = new TokenBucketLimiter({ capacity: 2, refillPerSecond: 1, now: time.now });
    limiter.take("a");
    limiter.take("a");
    expect(limiter.take("a").allowed).toBe(false);
    expect(limiter.take("b").allowed).toBe(true);
    time.advance(60_000);
    expect(limiter.take("a")).toEqual({ allowed: true, limit: 2, remaining: 1 });
  });

  it("bounds memory by forgetting the least recently used key", () => {
    const limiter = new TokenBucketLimiter({ capacity: 1, refillPerSecond: 0.001, maxKeys: 2, now: () => 0 });
    limiter.take("a");
    limiter.take("b");
    limiter.take("a"); // a is now the most recent; b is the oldest
    limiter.take("c");
    expect(limiter.size).toBe(2);
    expect(limiter.take("a").allowed).toBe(false); // still remembered, still empty
    expect(limiter.take("b").allowed).toBe(true); // forgotten, so full again
  });

  it("refuses nonsense settings", () => {
    expect(() => new TokenBucketLimiter({ capacity: 0, refillPerSecond: 1 })).toThrow(/capacity/);
    expect(() => new TokenBucketLimiter({ capacity: 1, refillPerSecond: 0 })).toThrow(/refillPerSecond/);
  });

  it("renders RateLimit and Retry-After headers", () => {
    expect(rateLimitHeaders({ allowed: false, limit: 10, remaining: 0, retryAfterMs: 1200 })).toEqual({
      "ratelimit-limit": "10",
      "ratelimit-remaining": "0",
      "retry-after": "2",
    });
    expect(rateLimitHeaders({ allowed: true, limit: 10, remaining: 9 })).toEqual({
      "ratelimit-limit": "10",
      "ratelimit-remaining": "9",
    });
  });
});

describe("createApiRateLimiter", () => {
  it("uses the documented defaults", () => {
    const limiter = createApiRateLimiter(() => 0);
    expect(limiter.take("t")).toEqual({
      allowed: true,
      limit: DEFAULTS.rateLimitBurst,
      remaining: DEFAULTS.rateLimitBurst - 1,
    });
  });
});
