import { z } from "zod";
import { DURATION_PATTERN } from "../duration.js";

/**
 * slipway.yaml `notifications:` — where the notifier announces rollouts and failed runs (owned by
 * the hooks area; schema.ts carries it as one key). Secrets are written as `${ENV_VAR}` references
 * and resolved by the server at start (src/notify/from-config.ts), so the file never holds them.
 */

/** Kept equal to NOTIFICATION_TYPES in src/notify/events.ts (a type check there ensures it). */
export const NOTIFY_EVENT_TYPES = [
  "rollout.started",
  "rollout.promoted",
  "rollout.rolled_back",
  "rollout.awaiting_approval",
  "service.down",
  "service.recovered",
  "run.failed",
] as const;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const DURATION_EXPECTED = 'expected a duration like "500ms", "2s" or "1m"';
const duration = (description: string) =>
  z
    .string({ error: DURATION_EXPECTED })
    .regex(DURATION_PATTERN, { error: DURATION_EXPECTED })
    .describe(description);

const channelName = z
  .string()
  .regex(NAME, { error: "expected a channel name: letters, digits, '.', '_' or '-'" })
  .describe("Unique; what logs, dead letters and the dashboard show.");
const events = z
  .array(z.enum(NOTIFY_EVENT_TYPES, { error: `expected one of ${NOTIFY_EVENT_TYPES.join(", ")}` }))
  .optional()
  .describe("Events this channel wants; all when absent.");
const secretish = (description: string) =>
  z
    .string()
    .min(1, { error: "expected a non-empty string" })
    .describe(`${description} Write secrets as \${ENV_VAR}.`);

const webhookChannel = z.strictObject({
  kind: z.literal("webhook"),
  name: channelName,
  url: secretish("Receiver URL; JSON { id, type, text, event } is POSTed to it."),
  headers: z
    .record(z.string(), z.string())
    .optional()
    .describe("Extra request headers (treated as secrets)."),
  signingSecret: secretish("Signs each body: X-Slipway-Signature-256: sha256=<HMAC>.").optional(),
  events,
});
const slackChannel = z.strictObject({
  kind: z.literal("slack"),
  name: channelName,
  url: secretish("Slack incoming-webhook URL (it is the credential)."),
  events,
});
const emailChannel = z.strictObject({
  kind: z.literal("email"),
  name: channelName,
  to: z.array(z.string().min(3)).min(1, { error: "expected at least one address" }).describe("Recipients."),
  from: z.string().optional().describe("Sender; default slipway@localhost."),
  events,
});

export const notificationsSchema = z
  .strictObject({
    channels: z
      .array(
        z.discriminatedUnion("kind", [webhookChannel, slackChannel, emailChannel], {
          error: "expected a channel with kind: webhook, slack or email",
        }),
      )
      .default([])
      .describe("Destinations of notifications."),
    retry: z
      .strictObject({
        maxAttempts: z.int().min(1).max(20).default(5).describe("Attempts in all, the first included."),
        baseDelay: duration("Ceiling of the first wait.").default("1s"),
        maxDelay: duration("Largest wait.").default("30s"),
      })
      .optional()
      .describe("Retries with exponential backoff and full jitter, then the dead-letter list."),
  })
  .superRefine((value, ctx) => {
    const seen = new Set<string>();
    value.channels.forEach((channel, index) => {
      if (seen.has(channel.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["channels", index, "name"],
          message: `two channels are named ${channel.name}`,
        });
      }
      seen.add(channel.name);
    });
  })
  .describe("Notifications on chat, webhooks and email.");

export type RawNotificationsConfig = z.output<typeof notificationsSchema>;
