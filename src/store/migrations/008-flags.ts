import type { Migration } from "./index.js";

/**
 * Feature flags defined through the API (issue 15): the current definition of each (flagd's flag
 * object as JSON text) and every change with actor, reason, and the definitions before and after.
 * Flags from repository files are not stored here.
 */
export const migration008: Migration = {
  version: 8,
  name: "flags",
  sql: `
CREATE TABLE flags (
  key TEXT PRIMARY KEY,
  definition TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
);
CREATE TABLE flag_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  reason TEXT NOT NULL,
  before_definition TEXT,
  after_definition TEXT
);
CREATE INDEX flag_changes_by_key ON flag_changes (key, id);
`,
};
