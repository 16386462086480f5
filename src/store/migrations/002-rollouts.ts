import type { Migration } from "./index.js";

/**
 * Rollouts (issue 5). Every rollout transition is an UPDATE of `rollouts` plus an INSERT into
 * `audit_events` (and, when traffic moves, an UPDATE of `environment_traffic`) in one transaction,
 * committed before the side effect. `rollout_locks` holds at most one deciding rollout per
 * (service, environment): the PRIMARY KEY is the lock, so two servers cannot both hold it.
 */
export const migration002: Migration = {
  version: 2,
  name: "rollouts",
  sql: `
CREATE TABLE rollouts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  service TEXT NOT NULL,
  environment TEXT NOT NULL,
  kind TEXT NOT NULL,
  candidate_version TEXT NOT NULL,
  stable_version TEXT,
  phase TEXT NOT NULL,
  outcome TEXT,
  reason TEXT,
  actor TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  finished_at TEXT,
  doc TEXT NOT NULL
);
CREATE INDEX rollouts_by_scope ON rollouts (service, environment, seq);
CREATE INDEX rollouts_unfinished ON rollouts (finished_at);

CREATE TABLE revisions (
  id TEXT PRIMARY KEY,
  service TEXT NOT NULL,
  environment TEXT NOT NULL,
  version TEXT NOT NULL,
  spec TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE environment_traffic (
  service TEXT NOT NULL,
  environment TEXT NOT NULL,
  route TEXT NOT NULL,
  traffic TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (service, environment)
);

CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  type TEXT NOT NULL,
  service TEXT,
  environment TEXT,
  rollout_id TEXT,
  message TEXT NOT NULL,
  reason TEXT
);
CREATE INDEX audit_events_by_scope ON audit_events (service, environment, seq);

CREATE TABLE rollout_locks (
  scope TEXT PRIMARY KEY,
  rollout_id TEXT NOT NULL,
  acquired_at TEXT NOT NULL
);

CREATE TABLE control_counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
`,
};
