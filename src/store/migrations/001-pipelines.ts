import type { Migration } from "./index.js";

/** Workflow runs, their jobs (one row per matrix combination) and their masked logs. */
export const pipelinesMigration: Migration = {
  version: 1,
  name: "pipelines",
  sql: `
CREATE TABLE workflow_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  workflow TEXT NOT NULL,
  workflow_file TEXT NOT NULL,
  event TEXT NOT NULL,
  ref TEXT NOT NULL,
  sha TEXT NOT NULL,
  status TEXT NOT NULL,
  conclusion TEXT,
  started_at TEXT NOT NULL,
  duration_ms INTEGER,
  result TEXT
);
CREATE INDEX workflow_runs_by_file ON workflow_runs (workflow_file, id);
CREATE TABLE workflow_run_logs (
  run_id INTEGER NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  job_key TEXT NOT NULL,
  job_id TEXT NOT NULL,
  step TEXT NOT NULL,
  level TEXT NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
);
`,
};
