import { factsFromRollout, type MilestoneEvent, type RolloutFacts } from "../../core/delivery/index.js";

/** A rollout's plain columns with its release's commit time, as both delivery adapters select them. */
export interface FactRow {
  id: string;
  service: string;
  environment: string;
  kind: "deploy" | "rollback";
  candidate_version: string;
  stable_version: string | null;
  phase: string;
  outcome: string | null;
  created_at: string;
  committed_at: string | null;
}

/** The delivery facts of one rollout row, with its milestone events (oldest first). */
export const factsFromRow = (row: FactRow, events: MilestoneEvent[]): RolloutFacts =>
  factsFromRollout(
    {
      id: row.id,
      service: row.service,
      environment: row.environment,
      kind: row.kind,
      candidate: {
        id: `${row.service}/${row.environment}@${row.candidate_version}`,
        version: row.candidate_version,
      },
      ...(row.stable_version !== null && {
        stable: {
          id: `${row.service}/${row.environment}@${row.stable_version}`,
          version: row.stable_version,
        },
      }),
      createdAt: Date.parse(row.created_at),
      phase: row.phase,
      ...(row.outcome !== null && { outcome: row.outcome }),
    },
    events,
    row.committed_at,
  );
