import { readFileSync } from "node:fs";
import { configFileIn } from "../config/project-search.js";
import { parse } from "yaml";
import { durationMs } from "../core/duration.js";
import type { NOTIFY_EVENT_TYPES } from "../core/config/schema-notify.js";
import { notificationsSchema, type RawNotificationsConfig } from "../core/config/schema-notify.js";
import { SlipwayError } from "../core/errors.js";
import type { ChannelConfig } from "./channels/channel.js";
import type { NotificationType } from "../core/notify/events.js";
import { redactUrl } from "./redact.js";
import type { RetryPolicy } from "./retry.js";
import { own } from "../core/own.js";

// The config schema lists the event types without importing the notifier (core imports no use
// case); this fails typecheck when the two lists drift apart.
const SAME_TYPES: [NotificationType, (typeof NOTIFY_EVENT_TYPES)[number]] extends [
  (typeof NOTIFY_EVENT_TYPES)[number],
  NotificationType,
]
  ? true
  : never = true;
void SAME_TYPES;

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** What the server builds its Notifier from. */
export interface NotificationSettings {
  channels: ChannelConfig[];
  retry?: RetryPolicy;
}

/**
 * Replaces each `${VAR}` in `text` with the variable's value; throws naming the variable (never a
 * value) when it is unset, so a missing secret is found at start, not at the first rollback.
 */
export function resolveEnvRefs(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  where: string,
): string {
  return text.replace(ENV_REF, (_match, name: string) => {
    const value = own(env, name);
    if (value === undefined || value === "") {
      throw new SlipwayError(
        "SLIPWAY_INVALID_CONFIG",
        `slipway.yaml ${where}: \${${name}} is not set in the server's environment`,
      );
    }
    return value;
  });
}

/** The typed settings for `notifications:` as written (already validated), secrets resolved from `env`. */
export function notificationSettings(
  raw: RawNotificationsConfig | undefined,
  env: Readonly<Record<string, string | undefined>>,
): NotificationSettings {
  if (!raw) return { channels: [] };
  const channels = raw.channels.map((channel, index): ChannelConfig => {
    const at = (key: string) => `notifications.channels[${index}].${key}`;
    const events = channel.events ? { events: [...channel.events] } : {};
    switch (channel.kind) {
      case "webhook":
        return {
          kind: "webhook",
          name: channel.name,
          url: resolveEnvRefs(channel.url, env, at("url")),
          ...(channel.headers
            ? {
                headers: Object.fromEntries(
                  Object.entries(channel.headers).map(([k, v]) => [
                    k,
                    resolveEnvRefs(v, env, at(`headers.${k}`)),
                  ]),
                ),
              }
            : {}),
          ...(channel.signingSecret
            ? { signingSecret: resolveEnvRefs(channel.signingSecret, env, at("signingSecret")) }
            : {}),
          ...events,
        };
      case "slack":
        return {
          kind: "slack",
          name: channel.name,
          url: resolveEnvRefs(channel.url, env, at("url")),
          ...events,
        };
      case "email":
        return {
          kind: "email",
          name: channel.name,
          to: channel.to,
          ...(channel.from ? { from: channel.from } : {}),
          ...events,
        };
      default: {
        const unreachable: never = channel;
        return unreachable;
      }
    }
  });
  return {
    channels,
    ...(raw.retry
      ? {
          retry: {
            maxAttempts: raw.retry.maxAttempts,
            baseDelayMs: durationMs(raw.retry.baseDelay),
            maxDelayMs: durationMs(raw.retry.maxDelay),
          },
        }
      : {}),
  };
}

/**
 * Reads `notifications:` from the project's slipway.yaml. The whole file is validated by the
 * config loader (with file:line:col messages); this only picks the key, so a file without it
 * means no channels.
 */
export function loadNotificationSettings(
  dir: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): NotificationSettings {
  const file = configFileIn(dir);
  if (!file) return { channels: [] };
  const document = parse(readFileSync(file, "utf8")) as { notifications?: unknown } | null;
  const parsed = notificationsSchema.optional().safeParse(document?.notifications);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SlipwayError(
      "SLIPWAY_INVALID_CONFIG",
      `slipway.yaml notifications.${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`,
    );
  }
  return notificationSettings(parsed.data, env);
}

/** Channels as the API and logs may show them: names, kinds, events, and at most a URL's origin. */
export function describeChannels(channels: readonly ChannelConfig[]): Record<string, unknown>[] {
  return channels.map((channel) => ({
    name: channel.name,
    kind: channel.kind,
    events: channel.events ?? "all",
    target: channel.kind === "email" ? channel.to.join(", ") : redactUrl(channel.url),
  }));
}
