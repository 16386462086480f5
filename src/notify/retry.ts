/**
 * Exponential backoff with "full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * the wait before retry n is uniform in [0, min(maxDelay, baseDelay·2^(n-1))], which spreads
 * retries from many notifiers so a recovering receiver is not hit by all of them at once.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** 5 attempts over at most about 15 s of waiting, then the message goes to the dead-letter list. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 30_000 };

/**
 * Wait after failed attempt `attempt` (1-based). `random` returns [0, 1). A server's Retry-After
 * is honoured as a floor, still capped by maxDelayMs so one receiver cannot stall the notifier.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs?: number,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  return Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
}

export function validateRetryPolicy(policy: RetryPolicy): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1)
    problems.push("maxAttempts must be an integer >= 1");
  if (!(policy.baseDelayMs >= 0)) problems.push("baseDelayMs must be >= 0");
  if (!(policy.maxDelayMs >= policy.baseDelayMs)) problems.push("maxDelayMs must be >= baseDelayMs");
  return problems;
}
