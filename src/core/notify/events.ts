/**
 * What Slipway announces. Each event carries what a person needs to act on it from a chat message
 * alone: which service, where, which version, who or what caused it, and a link when the server
 * knows its public URL.
 */
export const NOTIFICATION_TYPES = [
  "rollout.started",
  "rollout.promoted",
  "rollout.rolled_back",
  "rollout.awaiting_approval",
  "service.down",
  "service.recovered",
  "run.failed",
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

interface RolloutFields {
  rolloutId: string;
  service: string;
  environment: string;
  version: string;
  /** ISO-8601 time of the change. */
  at: string;
  url?: string;
}

export type NotificationEvent =
  | (RolloutFields & {
      type: "rollout.started";
      strategy: "blue-green" | "canary";
      fromVersion?: string;
      actor: string;
    })
  | (RolloutFields & { type: "rollout.promoted"; actor?: string })
  | (RolloutFields & {
      type: "rollout.rolled_back";
      /** The version serving again. */
      toVersion?: string;
      reason: string;
      /** True when analysis or health checks rolled back, false when a person did. */
      automatic: boolean;
      actor?: string;
    })
  | (RolloutFields & { type: "rollout.awaiting_approval"; requestedBy: string; expiresAt: string })
  | {
      /** The live revision has no ready instance (for `watch.downAfter`, or its supervisor gave up). */
      type: "service.down" | "service.recovered";
      service: string;
      environment: string;
      /** The live version. */
      version: string;
      /** What the watch saw, and for service.down why nothing was (or will be) rolled back. */
      reason: string;
      /** The environment's newest rollout (the one that made the live revision live, usually). */
      rolloutId?: string;
      at: string;
      url?: string;
    }
  | {
      type: "run.failed";
      runId: string;
      workflow: string;
      ref: string;
      sha?: string;
      failedJobs: string[];
      actor?: string;
      at: string;
      url?: string;
    };

/** One announcement. `id` stays the same across retries and re-sends, so receivers can dedupe. */
export interface Notification {
  id: string;
  event: NotificationEvent;
}

export function isNotificationType(value: unknown): value is NotificationType {
  return typeof value === "string" && (NOTIFICATION_TYPES as readonly string[]).includes(value);
}
