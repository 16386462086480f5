import type { Migration } from "./index.js";

/**
 * Release channels: every move of a service's version into a channel (and every rollback), with
 * actor, reason, the version it replaced and the rollout or flag it went through.
 */
export const migration012: Migration = {
  version: 12,
  name: "channels",
  sql: `
CREATE TABLE channel_moves (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  channel TEXT NOT NULL,
  service TEXT NOT NULL,
  version TEXT NOT NULL,
  previous_version TEXT,
  from_channel TEXT,
  kind TEXT NOT NULL,
  strategy TEXT NOT NULL,
  target TEXT NOT NULL,
  rollout_id TEXT,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX channel_moves_by_channel ON channel_moves (channel, service, id);
`,
};
