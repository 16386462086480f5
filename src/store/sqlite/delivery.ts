import {
  factsFromRollout,
  MILESTONE_EVENTS,
  type DeliveryHistory,
  type MilestoneEvent,
  type RolloutFacts,
  type RolloutSummary,
} from "../../core/delivery/index.js";
import type { SqliteDatabase } from "./database.js";

/**
 * Read-only SQLite adapter of the delivery metrics' port: rollouts (migration 2) with their
 * milestone events and their release's commit time (migrations 3 and 6). Three set queries, no
 * query per rollout, so a 30-day report over thousands of rollouts stays one round of reads.
 */
export class SqliteDeliveryHistory implements DeliveryHistory {
  constructor(private readonly db: SqliteDatabase) {}

  rolloutFacts(query: { since: number; environment?: string }): RolloutFacts[] {
    const params = { since: new Date(query.since).toISOString(), environment: query.environment ?? null };
    const scope = `(r.updated_at >= @since OR r.finished_at IS NULL)
      AND (@environment IS NULL OR r.environment = @environment)`;
    const rows = this.db
      .prepare(
        `SELECT r.id, r.doc, rel.committed_at FROM rollouts r
         LEFT JOIN releases rel ON rel.service = r.service AND rel.version = r.candidate_version
         WHERE ${scope} ORDER BY r.seq`,
      )
      .all(params) as Array<{ id: string; doc: string; committed_at: string | null }>;
    if (rows.length === 0) return [];
    const types = MILESTONE_EVENTS.map((t) => `'${t}'`).join(", ");
    const events = new Map<string, MilestoneEvent[]>();
    for (const e of this.db
      .prepare(
        `SELECT e.rollout_id, e.type, e.at FROM audit_events e
         WHERE e.type IN (${types}) AND e.rollout_id IN (SELECT r.id FROM rollouts r WHERE ${scope})`,
      )
      .all(params) as Array<{ rollout_id: string; type: string; at: string }>) {
      const list = events.get(e.rollout_id) ?? [];
      list.push({ type: e.type, at: e.at });
      events.set(e.rollout_id, list);
    }
    return rows.map((row) =>
      factsFromRollout(JSON.parse(row.doc) as RolloutSummary, events.get(row.id) ?? [], row.committed_at),
    );
  }
}
