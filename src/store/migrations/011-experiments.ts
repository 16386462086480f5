import type { Migration } from "./index.js";

/**
 * Experiments on flags: the experiment (allocation and metrics as JSON text), each user's first
 * exposure per experiment (its primary key is what makes an assignment sticky) and per-user metric
 * totals, from which results are three sums per variant.
 */
export const migration011: Migration = {
  version: 11,
  name: "experiments",
  sql: `
CREATE TABLE experiments (
  key TEXT PRIMARY KEY,
  flag_key TEXT NOT NULL,
  description TEXT NOT NULL,
  control TEXT NOT NULL,
  allocation TEXT NOT NULL,
  metrics TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  started_at TEXT,
  stopped_at TEXT,
  shipped_variant TEXT
);
CREATE TABLE experiment_exposures (
  experiment TEXT NOT NULL,
  user_key TEXT NOT NULL,
  variant TEXT NOT NULL,
  exposed_at INTEGER NOT NULL,
  PRIMARY KEY (experiment, user_key)
);
CREATE INDEX experiment_exposures_by_user ON experiment_exposures (user_key);
CREATE TABLE experiment_values (
  experiment TEXT NOT NULL,
  event TEXT NOT NULL,
  user_key TEXT NOT NULL,
  events INTEGER NOT NULL,
  value_sum REAL NOT NULL,
  PRIMARY KEY (experiment, event, user_key)
);
`,
};
