import type { Migration } from "./index.js";

/**
 * Delivery metrics (issue 7), indexes only: the report reads the rollouts changed in its window
 * and their milestone events. Without these it scans both tables whole (rollout rows carry their
 * JSON document), which took hundreds of milliseconds at 10,000 rollouts (bench/api-latency.mjs).
 * - rollouts_by_updated covers every column the report reads, so the window is an index-only scan;
 * - audit_events_milestones serves "events of these types since T" as index-only range scans.
 */
export const migration007: Migration = {
  version: 7,
  name: "delivery-indexes",
  sql: `
CREATE INDEX rollouts_by_updated ON rollouts
  (updated_at, environment, service, kind, candidate_version, stable_version, phase, outcome, created_at, id);
CREATE INDEX audit_events_milestones ON audit_events (type, at, rollout_id, environment);
`,
};
