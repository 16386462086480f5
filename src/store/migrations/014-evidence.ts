import type { Migration } from "./index.js";

/**
 * Evidence attached to releases (issue 20): one row per report read, with its digest, source run
 * and job, and its summary as JSON. A report is recorded once per release and kind.
 */
export const migration014: Migration = {
  version: 14,
  name: "evidence",
  sql: `
CREATE TABLE release_attestations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  service TEXT NOT NULL,
  version TEXT NOT NULL,
  kind TEXT NOT NULL,
  format TEXT NOT NULL,
  digest TEXT NOT NULL,
  file TEXT NOT NULL,
  run_id INTEGER,
  job TEXT,
  summary TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  recorded_by TEXT NOT NULL,
  UNIQUE (service, version, kind, digest)
);
CREATE INDEX release_attestations_by_release ON release_attestations (service, version, id);
`,
};
