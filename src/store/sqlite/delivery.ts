import { MILESTONE_EVENTS, type MilestoneEvent, type RolloutFacts } from "../../core/delivery/index.js";
import type { DeliveryMetricsStore } from "../ports/delivery-metrics-store.js";
import { factsFromRow, type FactRow } from "../rows/delivery-rows.js";
import { settle, type SqliteDatabase } from "./database.js";

/**
 * Read-only SQLite adapter of the delivery metrics' port: rollouts (migration 2) with their
 * milestone events and their release's commit time (migrations 3 and 6). Two set queries over
 * plain columns, no rollout document parsed and no query per rollout, so a 30-day report over
 * thousands of rollouts stays cheap (bench/api-latency.mjs).
 */
export class SqliteDeliveryMetricsStore implements DeliveryMetricsStore {
  constructor(private readonly db: SqliteDatabase) {}

  rolloutFacts(query: { since: number; environment?: string }): Promise<RolloutFacts[]> {
    return settle(() => this.factsOf(query));
  }

  private factsOf(query: { since: number; environment?: string }): RolloutFacts[] {
    const params = { since: new Date(query.since).toISOString(), environment: query.environment ?? null };
    // Two index-only reads (migration 7): rollouts changed in the window (plus the few still
    // deciding), then the milestone events from the oldest of them on.
    const inEnvironment = "AND (@environment IS NULL OR r.environment = @environment)";
    const columns = `r.id, r.service, r.environment, r.kind, r.candidate_version, r.stable_version, r.phase,
      r.outcome, r.created_at, r.seq`;
    const rows = this.db
      .prepare(
        `SELECT f.*, rel.committed_at FROM (
           SELECT ${columns} FROM rollouts r WHERE r.updated_at >= @since ${inEnvironment}
           UNION SELECT ${columns} FROM rollouts r WHERE r.finished_at IS NULL ${inEnvironment}
         ) f
         LEFT JOIN releases rel ON rel.service = f.service AND rel.version = f.candidate_version
         ORDER BY f.seq`,
      )
      .all(params) as FactRow[];
    if (rows.length === 0) return [];
    const oldest = rows.reduce((min, row) => (row.created_at < min ? row.created_at : min), params.since);
    const events = new Map<string, MilestoneEvent[]>();
    const milestones = this.db.prepare(
      `SELECT rollout_id, at FROM audit_events WHERE type = @type AND at >= @oldest
       AND rollout_id IS NOT NULL AND (@environment IS NULL OR environment = @environment)`,
    );
    for (const type of MILESTONE_EVENTS) {
      for (const e of milestones.all({ type, oldest, environment: params.environment }) as Array<{
        rollout_id: string;
        at: string;
      }>) {
        const list = events.get(e.rollout_id) ?? [];
        list.push({ type, at: e.at });
        events.set(e.rollout_id, list);
      }
    }
    return rows.map((row) => factsFromRow(row, events.get(row.id) ?? []));
  }
}
