import type { NotificationEvent } from "./events.js";

/**
 * The fact a notification announces, as a key: a highly available control plane claims it in the
 * database before sending, so the fact is announced once even when leaders change between its
 * commit and its sending (a new leader sees the same rollout reach the same phase again).
 */
export function notificationKey(event: NotificationEvent): string {
  switch (event.type) {
    case "run.failed":
      return `run.failed:${event.runId}`;
    case "service.down":
    case "service.recovered":
      return `${event.type}:${event.service}/${event.environment}:${event.at}`;
    case "rollout.started":
    case "rollout.promoted":
    case "rollout.rolled_back":
    case "rollout.awaiting_approval":
      return `${event.type}:${event.rolloutId}`;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}
