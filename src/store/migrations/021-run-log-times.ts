import type { Migration } from "./index.js";

/**
 * When each pipeline log line was written (epoch milliseconds), for the run page's per-line times.
 * NULL on lines stored before: they are shown without a time.
 */
export const migration021: Migration = {
  version: 21,
  name: "run-log-times",
  sql: `
ALTER TABLE workflow_run_logs ADD COLUMN at BIGINT;
`,
};
