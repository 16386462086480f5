/**
 * Restart policy, pure: given the recent crash times, restart after an exponential delay, or give
 * up when the instance crashed too often within the window (a crash-on-boot revision must become
 * visibly "crashed" for the rollout controller instead of flapping forever).
 */
export interface RestartPolicy {
  /** Delay before the first restart; doubles with every crash inside the window. */
  initialDelayMs: number;
  /** Cap on the delay. */
  maxDelayMs: number;
  /** Restarts allowed within `windowMs`; the crash after that gives up. */
  maxRestarts: number;
  /** Crashes older than this are forgotten, so a long-healthy instance starts again from the initial delay. */
  windowMs: number;
}

export type RestartDecision =
  | { action: "restart"; delayMs: number; recentCrashes: number[] }
  | { action: "give-up"; recentCrashes: number[] };

/** `crashTimes` are the earlier crashes (epoch ms); `now` is the crash being handled. */
export function decideRestart(
  crashTimes: readonly number[],
  now: number,
  policy: RestartPolicy,
): RestartDecision {
  const recentCrashes = [...crashTimes.filter((t) => now - t < policy.windowMs), now];
  if (recentCrashes.length > policy.maxRestarts) return { action: "give-up", recentCrashes };
  const delayMs = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (recentCrashes.length - 1));
  return { action: "restart", delayMs, recentCrashes };
}
