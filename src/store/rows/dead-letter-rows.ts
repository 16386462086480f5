import type { DeadLetter } from "../ports/dead-letter-store.js";
import type { Notification } from "../../core/notify/events.js";

// Rows of `notification_dead_letters` (migration 004) as both adapters read them, and what they write.

export interface DeadLetterRow {
  id: string;
  channel: string;
  notification: string;
  attempts: number;
  last_error: string;
  created_at: number;
  last_attempt_at: number;
}

export const deadLetterFromRow = (row: DeadLetterRow): DeadLetter => ({
  id: row.id,
  channel: row.channel,
  notification: JSON.parse(row.notification) as Notification,
  attempts: row.attempts,
  lastError: row.last_error,
  createdAt: row.created_at,
  lastAttemptAt: row.last_attempt_at,
});

/**
 * The values of an insert, in this column order: id, channel, notification_id, event_type,
 * notification, attempts, last_error, created_at, last_attempt_at.
 */
export const deadLetterParams = (letter: DeadLetter): unknown[] => [
  letter.id,
  letter.channel,
  letter.notification.id,
  letter.notification.event.type,
  JSON.stringify(letter.notification),
  letter.attempts,
  letter.lastError,
  letter.createdAt,
  letter.lastAttemptAt,
];
