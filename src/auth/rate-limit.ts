import { DEFAULTS } from "../core/defaults.js";

/**
 * Per-token token buckets: each key may burst `capacity` requests, then gets `refillPerSecond`.
 * Memory is bounded: past `maxKeys`, the least recently used bucket is dropped (a dropped key comes
 * back with a full bucket, which errs on the side of serving). Time comes from `now` (ms).
 */
export interface RateLimitOptions {
  capacity: number;
  refillPerSecond: number;
  maxKeys?: number;
  now?: () => number;
}

export type RateLimitResult =
  | { allowed: true; limit: number; remaining: number }
  | { allowed: false; limit: number; remaining: 0; retryAfterMs: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly capacity: number;
  private readonly refillPerMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: RateLimitOptions) {
    if (!(options.capacity >= 1) || !(options.refillPerSecond > 0)) {
      throw new Error("rate limit needs capacity >= 1 and refillPerSecond > 0");
    }
    this.capacity = options.capacity;
    this.refillPerMs = options.refillPerSecond / 1000;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Takes `cost` tokens from `key`'s bucket if it has them. */
  take(key: string, cost = 1): RateLimitResult {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, updatedAt: now };
    const elapsed = Math.max(0, now - bucket.updatedAt);
    bucket.tokens = Math.min(this.capacity, bucket.tokens + elapsed * this.refillPerMs);
    bucket.updatedAt = now;
    // Re-insert so Map order is least recently used first.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { allowed: true, limit: this.capacity, remaining: Math.floor(bucket.tokens) };
    }
    const retryAfterMs = Math.ceil((cost - bucket.tokens) / this.refillPerMs);
    return { allowed: false, limit: this.capacity, remaining: 0, retryAfterMs };
  }

  get size(): number {
    return this.buckets.size;
  }
}

/** Response headers for a result (IETF RateLimit draft names, plus Retry-After on a 429). */
export function rateLimitHeaders(result: RateLimitResult): Record<string, string> {
  const headers: Record<string, string> = {
    "ratelimit-limit": String(result.limit),
    "ratelimit-remaining": String(result.remaining),
  };
  if (!result.allowed) headers["retry-after"] = String(Math.ceil(result.retryAfterMs / 1000));
  return headers;
}

/** The API's limiter with the documented defaults (DEFAULTS.rateLimitBurst / rateLimitPerSecond). */
export function createApiRateLimiter(now?: () => number): TokenBucketLimiter {
  return new TokenBucketLimiter({
    capacity: DEFAULTS.rateLimitBurst,
    refillPerSecond: DEFAULTS.rateLimitPerSecond,
    ...(now ? { now } : {}),
  });
}
