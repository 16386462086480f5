import type { Notification, NotificationType } from "../../core/notify/events.js";
import { scrub } from "../redact.js";
import { emailMessage, type EmailChannelConfig, type EmailTransport } from "./email.js";
import type { HttpRequest, HttpTransport } from "./http-transport.js";
import { slackRequest, type SlackChannelConfig } from "./slack.js";
import { webhookRequest, type WebhookChannelConfig } from "./webhook.js";

/** A configured destination, and which events it wants (all when `events` is absent). */
export type ChannelConfig = (WebhookChannelConfig | SlackChannelConfig | EmailChannelConfig) & {
  events?: readonly NotificationType[];
};

/** What one attempt came to. `error` is already scrubbed of the channel's secrets. */
export type SendResult =
  { ok: true; status?: number } | { ok: false; retryable: boolean; error: string; retryAfterMs?: number };

export type Sender = (notification: Notification) => Promise<SendResult>;

/** Timeout for one attempt. */
export const DEFAULT_SEND_TIMEOUT_MS = 10_000;

/** Statuses worth retrying: the receiver is busy or briefly broken. Other 4xx will not heal. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** The strings of a channel that must never appear in logs or stored errors. */
export function channelSecrets(channel: ChannelConfig): string[] {
  switch (channel.kind) {
    case "webhook":
      return [
        channel.url,
        ...Object.values(channel.headers ?? {}),
        ...(channel.signingSecret ? [channel.signingSecret] : []),
      ];
    case "slack":
      return [channel.url];
    case "email":
      return [];
    default: {
      const unreachable: never = channel;
      return unreachable;
    }
  }
}

export function wants(channel: ChannelConfig, type: NotificationType): boolean {
  return channel.events === undefined || channel.events.includes(type);
}

async function sendHttp(
  transport: HttpTransport,
  req: HttpRequest,
  secrets: readonly string[],
): Promise<SendResult> {
  try {
    const response = await transport(req);
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    return {
      ok: false,
      retryable: isRetryableStatus(response.status),
      error: `HTTP ${response.status}`,
      ...(response.retryAfterMs === undefined ? {} : { retryAfterMs: response.retryAfterMs }),
    };
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause;
    const message = [(error as Error).message, cause?.message].filter(Boolean).join(": ");
    return { ok: false, retryable: true, error: scrub(message || "request failed", secrets) };
  }
}

/** Builds the sender for one channel. */
export function senderFor(
  channel: ChannelConfig,
  deps: { http: HttpTransport; email?: EmailTransport; timeoutMs?: number },
): Sender {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  const secrets = channelSecrets(channel);
  switch (channel.kind) {
    case "webhook":
      return (n) => sendHttp(deps.http, webhookRequest(channel, n, timeoutMs), secrets);
    case "slack":
      return (n) => sendHttp(deps.http, slackRequest(channel, n, timeoutMs), secrets);
    case "email": {
      const email = deps.email;
      return async (n) => {
        if (!email) return { ok: false, retryable: false, error: "no email transport is configured" };
        try {
          await email.send(emailMessage(channel, n));
          return { ok: true };
        } catch (error) {
          return { ok: false, retryable: true, error: scrub((error as Error).message, secrets) };
        }
      };
    }
    default: {
      const unreachable: never = channel;
      return unreachable;
    }
  }
}
