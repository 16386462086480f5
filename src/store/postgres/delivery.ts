import { MILESTONE_EVENTS, type MilestoneEvent, type RolloutFacts } from "../../core/delivery/index.js";
import type { DeliveryMetricsStore } from "../ports/delivery-metrics-store.js";
import { factsFromRow, type FactRow } from "../rows/delivery-rows.js";
import type { PostgresDatabase } from "./database.js";

/**
 * Read-only PostgreSQL adapter of the delivery metrics' port: rollouts (migration 2) with their
 * milestone events and their release's commit time (migrations 3 and 6). Two set queries over
 * plain columns, no rollout document parsed and no query per rollout, so a 30-day report over
 * thousands of rollouts stays cheap (bench/api-latency.mjs).
 */
export class PostgresDeliveryMetricsStore implements DeliveryMetricsStore {
  constructor(private readonly db: PostgresDatabase) {}

  async rolloutFacts(query: { since: number; environment?: string }): Promise<RolloutFacts[]> {
    const params = { since: new Date(query.since).toISOString(), environment: query.environment ?? null };
    // Two index-only reads (migration 7): rollouts changed in the window (plus the few still
    // deciding), then the milestone events from the oldest of them on.
    const inEnvironment = "AND ($2::text IS NULL OR r.environment = $2)";
    const columns = `r.id, r.service, r.environment, r.kind, r.candidate_version, r.stable_version, r.phase,
      r.outcome, r.created_at, r.seq`;
    const rows = await this.db.rows<FactRow>(
      `SELECT f.*, rel.committed_at FROM (
         SELECT ${columns} FROM rollouts r WHERE r.updated_at >= $1 ${inEnvironment}
         UNION SELECT ${columns} FROM rollouts r WHERE r.finished_at IS NULL ${inEnvironment}
       ) f
       LEFT JOIN releases rel ON rel.service = f.service AND rel.version = f.candidate_version
       ORDER BY f.seq`,
      [params.since, params.environment],
    );
    if (rows.length === 0) return [];
    const oldest = rows.reduce((min, row) => (row.created_at < min ? row.created_at : min), params.since);
    const events = new Map<string, MilestoneEvent[]>();
    const milestones = await this.db.rows<{ type: string; rollout_id: string; at: string }>(
      `SELECT type, rollout_id, at FROM audit_events WHERE type = ANY($1::text[]) AND at >= $2
       AND rollout_id IS NOT NULL AND ($3::text IS NULL OR environment = $3) ORDER BY seq`,
      [[...MILESTONE_EVENTS], oldest, params.environment],
    );
    for (const e of milestones) {
      const list = events.get(e.rollout_id) ?? [];
      list.push({ type: e.type, at: e.at });
      events.set(e.rollout_id, list);
    }
    return rows.map((row) => factsFromRow(row, events.get(row.id) ?? []));
  }
}
