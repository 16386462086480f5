import type { Notification } from "../../core/notify/events.js";
import { render, renderText } from "../render.js";

/**
 * Email is optional and has no built-in SMTP client: give the Notifier an EmailTransport (for
 * example a few lines around nodemailer's `transporter.sendMail`) and email channels use it.
 * `send` rejects when the message was not accepted; the Notifier retries it like any channel.
 */
export interface EmailTransport {
  send(message: EmailMessage): Promise<void>;
}

export interface EmailMessage {
  from: string;
  to: readonly string[];
  subject: string;
  text: string;
  /** Same as the notification id, for Message-ID-based dedupe on the receiving side. */
  id: string;
}

export interface EmailChannelConfig {
  kind: "email";
  name: string;
  to: readonly string[];
  /** Default "slipway@localhost". */
  from?: string;
}

export function emailMessage(channel: EmailChannelConfig, notification: Notification): EmailMessage {
  return {
    from: channel.from ?? "slipway@localhost",
    to: channel.to,
    subject: `[slipway] ${render(notification.event).title}`,
    text: renderText(notification.event),
    id: notification.id,
  };
}
