import type { Migration } from "./index.js";

/**
 * Notification dead letters (issue 7): what a channel did not accept within its retry budget,
 * kept for re-sending. Times are epoch milliseconds; BIGINT because they overflow PostgreSQL's
 * 32-bit INTEGER (SQLite reads BIGINT as INTEGER). No channel URLs here: they are credentials.
 */
export const migration004: Migration = {
  version: 4,
  name: "notifications",
  sql: `
CREATE TABLE notification_dead_letters (
  id TEXT PRIMARY KEY,
  channel TEXT NOT NULL,
  notification_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  notification TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_attempt_at BIGINT NOT NULL
);
CREATE INDEX notification_dead_letters_by_created ON notification_dead_letters (created_at);
`,
};
