import type { Migration } from "./index.js";

/**
 * Each rollout's own time series (issue 19): one row per point, the point as JSON text (weights
 * and per-revision rates, src/core/rollout/series.ts), `at` as ISO text like every other time.
 */
export const migration020: Migration = {
  version: 20,
  name: "rollout-series",
  sql: `
CREATE TABLE rollout_series (
  rollout_id TEXT NOT NULL,
  at TEXT NOT NULL,
  point TEXT NOT NULL,
  PRIMARY KEY (rollout_id, at)
);
`,
};
