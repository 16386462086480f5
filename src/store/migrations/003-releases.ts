import type { Migration } from "./index.js";

/**
 * Releases (issue 5): one row per (service, version), immutable once built. A failed or
 * interrupted build is replaced by the next attempt.
 */
export const migration003: Migration = {
  version: 3,
  name: "releases",
  sql: `
CREATE TABLE releases (
  service TEXT NOT NULL,
  version TEXT NOT NULL,
  ref TEXT NOT NULL,
  commit_sha TEXT,
  digest TEXT,
  status TEXT NOT NULL,
  dir TEXT NOT NULL,
  build_log TEXT NOT NULL,
  error TEXT,
  exit_code INTEGER,
  created_at TEXT NOT NULL,
  finished_at TEXT,
  PRIMARY KEY (service, version)
);
CREATE INDEX releases_by_created ON releases (created_at);
`,
};
