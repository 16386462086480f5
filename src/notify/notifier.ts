import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { senderFor, wants, type ChannelConfig, type Sender } from "./channels/channel.js";
import type { EmailTransport } from "./channels/email.js";
import { undiciTransport, type HttpTransport } from "./channels/http-transport.js";
import type { DeadLetter, DeadLetterStore } from "../store/ports/dead-letter-store.js";
import { deliverWithRetry } from "./deliver.js";
import type { Notification, NotificationEvent } from "../core/notify/events.js";
import { DEFAULT_RETRY, validateRetryPolicy, type RetryPolicy } from "./retry.js";

/** The subset of a pino logger the notifier writes to. */
export interface NotifyLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface NotifierOptions {
  channels: readonly ChannelConfig[];
  deadLetters: DeadLetterStore;
  /** Default: undici. */
  http?: HttpTransport;
  /** Needed only by email channels. */
  email?: EmailTransport;
  retry?: RetryPolicy;
  /** Per attempt. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  newId?: () => string;
  log?: NotifyLog;
}

export type ChannelOutcome =
  | { channel: string; outcome: "delivered"; attempts: number }
  | { channel: string; outcome: "dead-lettered"; attempts: number; deadLetterId: string; error: string };

export type ResendOutcome =
  | { outcome: "delivered"; attempts: number }
  | { outcome: "failed"; letter: DeadLetter }
  | { outcome: "not-found" }
  | { outcome: "unknown-channel"; channel: string }
  | { outcome: "in-progress" };

const silent: NotifyLog = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * Fans events out to the channels that want them, retries each with backoff, and dead-letters what
 * a channel would not take. `notify` never rejects: a notification must not fail a rollout. Callers
 * on a hot path should not await it (retries can take the whole budget's waits).
 *
 * @example
 * const notifier = new Notifier({ channels: [{ kind: "slack", name: "deploys", url }], deadLetters });
 * void notifier.notify({ type: "rollout.promoted", rolloutId, service: "api", environment: "production",
 *   version: "1.4.0", at: new Date().toISOString() });
 */
export class Notifier {
  private readonly senders = new Map<string, { channel: ChannelConfig; send: Sender }>();
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly log: NotifyLog;
  private readonly resending = new Set<string>();

  constructor(private readonly options: NotifierOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    const problems = validateRetryPolicy(this.retry);
    if (problems.length > 0) throw new Error(`notification retry policy: ${problems.join("; ")}`);
    this.sleep = options.sleep ?? ((ms) => delay(ms));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? randomUUID;
    this.log = options.log ?? silent;
    const deps = {
      http: options.http ?? undiciTransport,
      ...(options.email ? { email: options.email } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    };
    for (const channel of options.channels) {
      if (this.senders.has(channel.name))
        throw new Error(`two notification channels are named "${channel.name}"`);
      this.senders.set(channel.name, { channel, send: senderFor(channel, deps) });
    }
  }

  /** Announces `event` on every channel that wants it; resolves when each delivered or dead-lettered. */
  async notify(event: NotificationEvent): Promise<{ notification: Notification; results: ChannelOutcome[] }> {
    const notification: Notification = { id: this.newId(), event };
    const targets = [...this.senders.values()].filter(({ channel }) => wants(channel, event.type));
    const results = await Promise.all(
      targets.map((target) => this.deliverTo(target.channel.name, target.send, notification)),
    );
    return { notification, results };
  }

  /**
   * Tries a dead letter again, `attempts` times (default once: a person pressed a button and wants
   * an answer now). Delivered letters leave the list; failed ones stay with the new error.
   */
  async resend(id: string, attempts = 1): Promise<ResendOutcome> {
    if (this.resending.has(id)) return { outcome: "in-progress" };
    this.resending.add(id);
    try {
      const letter = await this.options.deadLetters.get(id);
      if (!letter) return { outcome: "not-found" };
      const target = this.senders.get(letter.channel);
      if (!target) return { outcome: "unknown-channel", channel: letter.channel };
      const result = await deliverWithRetry(
        target.send,
        letter.notification,
        { ...this.retry, maxAttempts: Math.max(1, attempts) },
        { sleep: this.sleep, random: this.random },
      );
      const fields = { channel: letter.channel, notificationId: letter.notification.id, deadLetterId: id };
      if (result.outcome === "delivered") {
        await this.options.deadLetters.remove(id);
        this.log.info(fields, "dead letter re-sent");
        return { outcome: "delivered", attempts: result.attempts };
      }
      const update = { attempts: letter.attempts + result.attempts, lastError: result.error, at: this.now() };
      await this.options.deadLetters.recordFailure(id, update);
      this.log.warn({ ...fields, error: result.error }, "dead letter re-send failed");
      return {
        outcome: "failed",
        letter: {
          ...letter,
          attempts: update.attempts,
          lastError: update.lastError,
          lastAttemptAt: update.at,
        },
      };
    } finally {
      this.resending.delete(id);
    }
  }

  private async deliverTo(
    channel: string,
    send: Sender,
    notification: Notification,
  ): Promise<ChannelOutcome> {
    const fields = { channel, notificationId: notification.id, type: notification.event.type };
    const startedAt = this.now();
    const result = await deliverWithRetry(send, notification, this.retry, {
      sleep: this.sleep,
      random: this.random,
      onFailure: (failure) => this.log.warn({ ...fields, ...failure }, "notification attempt failed"),
    });
    if (result.outcome === "delivered") {
      this.log.info({ ...fields, attempts: result.attempts }, "notification delivered");
      return { channel, outcome: "delivered", attempts: result.attempts };
    }
    const letter: DeadLetter = {
      id: this.newId(),
      channel,
      notification,
      attempts: result.attempts,
      lastError: result.error,
      createdAt: startedAt,
      lastAttemptAt: this.now(),
    };
    try {
      await this.options.deadLetters.add(letter);
      this.log.error(
        { ...fields, attempts: result.attempts, error: result.error, deadLetterId: letter.id },
        "notification dead-lettered",
      );
    } catch (error) {
      this.log.error(
        { ...fields, storeError: (error as Error).message },
        "notification lost: dead-letter store failed",
      );
    }
    return {
      channel,
      outcome: "dead-lettered",
      attempts: result.attempts,
      deadLetterId: letter.id,
      error: result.error,
    };
  }
}
