import type { Migration } from "./index.js";

/**
 * Delivery metrics (issue 7): a release records when its git commit was made, so the lead time
 * from commit to production can be measured (docs/metrics.md). NULL for working-tree releases and
 * for releases built before this column existed.
 */
export const migration006: Migration = {
  version: 6,
  name: "release-commit-time",
  sql: `ALTER TABLE releases ADD COLUMN committed_at TEXT;`,
};
