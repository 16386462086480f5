export {
  channelSecrets,
  DEFAULT_SEND_TIMEOUT_MS,
  isRetryableStatus,
  senderFor,
  type ChannelConfig,
  type SendResult,
  type Sender,
} from "./channels/channel.js";
export {
  emailMessage,
  type EmailChannelConfig,
  type EmailMessage,
  type EmailTransport,
} from "./channels/email.js";
export {
  parseRetryAfter,
  undiciTransport,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
} from "./channels/http-transport.js";
export { escapeMrkdwn, slackBody, type SlackChannelConfig } from "./channels/slack.js";
export { SLIPWAY_SIGNATURE_HEADER, webhookBody, type WebhookChannelConfig } from "./channels/webhook.js";
export { MemoryDeadLetterStore } from "./dead-letters.js";
export { DEAD_LETTER_PAGE, type DeadLetter, type DeadLetterStore } from "../store/ports/dead-letter-store.js";
export { deliverWithRetry, type DeliveryResult } from "./deliver.js";
export {
  isNotificationType,
  NOTIFICATION_TYPES,
  type Notification,
  type NotificationEvent,
  type NotificationType,
} from "../core/notify/events.js";
export {
  Notifier,
  type ChannelOutcome,
  type NotifierOptions,
  type NotifyLog,
  type ResendOutcome,
} from "./notifier.js";
export { redactUrl, scrub } from "./redact.js";
export { render, renderText, type Rendered } from "./render.js";
export { backoffDelay, DEFAULT_RETRY, validateRetryPolicy, type RetryPolicy } from "./retry.js";
