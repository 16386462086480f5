import { createHmac } from "node:crypto";
import type { Notification } from "../../core/notify/events.js";
import { renderText } from "../render.js";
import type { HttpRequest } from "./http-transport.js";

export const SLIPWAY_SIGNATURE_HEADER = "x-slipway-signature-256";

export interface WebhookChannelConfig {
  kind: "webhook";
  name: string;
  url: string;
  /** Extra request headers, e.g. an Authorization for the receiver. Treated as secrets. */
  headers?: Record<string, string>;
  /**
   * When set, each body is signed like GitHub's webhooks: `X-Slipway-Signature-256: sha256=<hex
   * HMAC-SHA256 of the body>`, so the receiver can check it came from this Slipway.
   */
  signingSecret?: string;
}

/** The generic JSON format: the event as data, plus a ready-made text. */
export function webhookBody(notification: Notification): Record<string, unknown> {
  return {
    id: notification.id,
    type: notification.event.type,
    text: renderText(notification.event),
    event: notification.event,
  };
}

export function webhookRequest(
  channel: WebhookChannelConfig,
  notification: Notification,
  timeoutMs: number,
): HttpRequest {
  const body = JSON.stringify(webhookBody(notification));
  const headers: Record<string, string> = {
    ...channel.headers,
    "content-type": "application/json",
    "user-agent": "slipway-notifier",
    "x-slipway-event": notification.event.type,
    "x-slipway-delivery": notification.id,
  };
  if (channel.signingSecret) {
    headers[SLIPWAY_SIGNATURE_HEADER] =
      `sha256=${createHmac("sha256", channel.signingSecret).update(body).digest("hex")}`;
  }
  return { url: channel.url, headers, body, timeoutMs };
}
