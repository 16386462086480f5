import type { Notification } from "../../core/notify/events.js";
import { render } from "../render.js";
import type { HttpRequest } from "./http-transport.js";

export interface SlackChannelConfig {
  kind: "slack";
  name: string;
  /** The incoming-webhook URL (https://hooks.slack.com/services/…); it is the credential. */
  url: string;
}

/** Slack's mrkdwn treats &, < and > as control characters; user text must be escaped. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * An incoming-webhook message: `text` is the fallback shown in notifications, `blocks` the layout
 * (a section with the details, a button to the dashboard when a URL is known, a context line).
 */
export function slackBody(notification: Notification): Record<string, unknown> {
  const { title, lines, url } = render(notification.event);
  const blocks: unknown[] = [
    {
      type: "section",
      text: { type: "mrkdwn", text: [`*${escapeMrkdwn(title)}*`, ...lines.map(escapeMrkdwn)].join("\n") },
    },
  ];
  if (url) {
    blocks.push({
      type: "actions",
      elements: [{ type: "button", text: { type: "plain_text", text: "Open in Slipway" }, url }],
    });
  }
  blocks.push({
    type: "context",
    elements: [
      { type: "mrkdwn", text: escapeMrkdwn(`${notification.event.type} · ${notification.event.at}`) },
    ],
  });
  return { text: title, blocks };
}

export function slackRequest(
  channel: SlackChannelConfig,
  notification: Notification,
  timeoutMs: number,
): HttpRequest {
  return {
    url: channel.url,
    headers: { "content-type": "application/json", "user-agent": "slipway-notifier" },
    body: JSON.stringify(slackBody(notification)),
    timeoutMs,
  };
}
