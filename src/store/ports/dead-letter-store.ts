import type { Notification } from "../../core/notify/events.js";

/**
 * A notification a channel did not accept within its retry budget. Kept until someone re-sends it
 * (from the API or dashboard) or deletes it. It names the channel, never its URL.
 */
export interface DeadLetter {
  id: string;
  channel: string;
  notification: Notification;
  /** Attempts so far, over the first delivery and every re-send. */
  attempts: number;
  /** Scrubbed of secrets. */
  lastError: string;
  /** Epoch ms. */
  createdAt: number;
  lastAttemptAt: number;
}

/** The notifier's part of the Store: notifications no channel accepted, until re-sent or deleted. */
export interface DeadLetterStore {
  add(letter: DeadLetter): Promise<void>;
  get(id: string): Promise<DeadLetter | undefined>;
  /** Newest first. */
  list(options?: { channel?: string; limit?: number }): Promise<DeadLetter[]>;
  /** After a re-send that failed again. */
  recordFailure(id: string, update: { attempts: number; lastError: string; at: number }): Promise<void>;
  remove(id: string): Promise<boolean>;
  count(): Promise<number>;
}

/** Default and largest page for `list`. */
export const DEAD_LETTER_PAGE = { default: 100, max: 1000 } as const;

export function pageSize(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEAD_LETTER_PAGE.default;
  return Math.min(DEAD_LETTER_PAGE.max, Math.max(1, Math.floor(limit)));
}
