import type { Notification } from "../core/notify/events.js";
import type { Sender } from "./channels/channel.js";
import { backoffDelay, type RetryPolicy } from "./retry.js";

export type DeliveryResult =
  | { outcome: "delivered"; attempts: number }
  | { outcome: "failed"; attempts: number; error: string; permanent: boolean };

export interface DeliveryHooks {
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** Called after each failed attempt, before any wait (for logs and metrics). */
  onFailure?: (failure: { attempt: number; error: string; retryable: boolean; nextDelayMs?: number }) => void;
}

/**
 * Tries `send` up to `policy.maxAttempts` times, waiting with jittered exponential backoff between
 * attempts. A permanent failure (e.g. HTTP 404 or 410: the webhook was deleted) stops at once,
 * since retrying cannot help.
 */
export async function deliverWithRetry(
  send: Sender,
  notification: Notification,
  policy: RetryPolicy,
  hooks: DeliveryHooks,
): Promise<DeliveryResult> {
  let attempt = 0;
  for (;;) {
    attempt++;
    const result = await send(notification);
    if (result.ok) return { outcome: "delivered", attempts: attempt };
    const last = attempt >= policy.maxAttempts || !result.retryable;
    const nextDelayMs = last ? undefined : backoffDelay(attempt, policy, hooks.random, result.retryAfterMs);
    hooks.onFailure?.({
      attempt,
      error: result.error,
      retryable: result.retryable,
      ...(nextDelayMs === undefined ? {} : { nextDelayMs }),
    });
    if (nextDelayMs === undefined) {
      return { outcome: "failed", attempts: attempt, error: result.error, permanent: !result.retryable };
    }
    await hooks.sleep(nextDelayMs);
  }
}
