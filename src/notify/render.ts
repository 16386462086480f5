import type { NotificationEvent } from "../core/notify/events.js";

/** A short title and detail lines, shared by every channel's format. */
export interface Rendered {
  title: string;
  lines: string[];
  url?: string;
}

/** The words for an event. Exhaustive: a new event type fails typecheck here until it has words. */
export function render(event: NotificationEvent): Rendered {
  const link = event.url === undefined ? {} : { url: event.url };
  switch (event.type) {
    case "rollout.started":
      return {
        title: `${event.service} ${event.version} is rolling out to ${event.environment}`,
        lines: [
          `Strategy: ${event.strategy}`,
          ...(event.fromVersion ? [`Replacing: ${event.fromVersion}`] : []),
          `Started by: ${event.actor}`,
        ],
        ...link,
      };
    case "rollout.promoted":
      return {
        title: `${event.service} ${event.version} is live in ${event.environment}`,
        lines: event.actor
          ? [`Promoted by: ${event.actor}`]
          : ["Promoted automatically after analysis passed"],
        ...link,
      };
    case "rollout.rolled_back":
      return {
        title: `${event.service} ${event.version} was rolled back in ${event.environment}`,
        lines: [
          `Reason: ${event.reason}`,
          ...(event.toVersion ? [`Now serving: ${event.toVersion}`] : []),
          event.automatic ? "Rolled back automatically" : `Rolled back by: ${event.actor ?? "unknown"}`,
        ],
        ...link,
      };
    case "rollout.awaiting_approval":
      return {
        title: `${event.service} ${event.version} is waiting for approval to deploy to ${event.environment}`,
        lines: [
          `Requested by: ${event.requestedBy}`,
          `Expires: ${event.expiresAt}`,
          "Someone else must approve it",
        ],
        ...link,
      };
    case "service.down":
      return {
        title: `${event.service} is down in ${event.environment} (${event.version})`,
        lines: [`Reason: ${event.reason}`],
        ...link,
      };
    case "service.recovered":
      return {
        title: `${event.service} serves again in ${event.environment} (${event.version})`,
        lines: [event.reason],
        ...link,
      };
    case "run.failed":
      return {
        title: `Workflow ${event.workflow} failed on ${event.ref}`,
        lines: [
          `Failed jobs: ${event.failedJobs.length > 0 ? event.failedJobs.join(", ") : "none reported"}`,
          ...(event.sha ? [`Commit: ${event.sha.slice(0, 12)}`] : []),
          ...(event.actor ? [`Triggered by: ${event.actor}`] : []),
        ],
        ...link,
      };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/** Plain text: the title, then one line per detail. */
export function renderText(event: NotificationEvent): string {
  const { title, lines, url } = render(event);
  return [title, ...lines, ...(url ? [url] : [])].join("\n");
}
