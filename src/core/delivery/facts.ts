import type { Rollout } from "../rollout/types.js";
import type { FactOutcome, RolloutFacts } from "./types.js";

/** The audit events that date a rollout's milestones (type and ISO time). */
export interface MilestoneEvent {
  type: string;
  at: string;
}

/** The part of a rollout document the delivery metrics read. */
export type RolloutSummary = Pick<
  Rollout,
  "id" | "service" | "environment" | "kind" | "candidate" | "stable" | "createdAt" | "switchedAt"
> & { outcome?: string | undefined; phase: string };

/** Event types that mark milestones; everything else in the audit trail is ignored. */
export const MILESTONE_EVENTS = [
  "rollout.switched",
  "rollout.weight",
  "rollout.promoted",
  "rollout.rollback",
  "rollout.failed",
  "rollout.superseded",
] as const;

const OUTCOMES: ReadonlySet<string> = new Set<FactOutcome>([
  "promoted",
  "rolled-back",
  "failed",
  "superseded",
]);

/**
 * Turns a rollout document and its milestone events into the facts the metrics need. Events date
 * the milestones (the document keeps only the current phase's start); the document's `switchedAt`
 * stands in when the switch event is missing.
 *
 * @example factsFromRollout(rollout, store.events({ rolloutId: rollout.id }), release?.committedAt)
 */
export function factsFromRollout(
  rollout: RolloutSummary,
  events: readonly MilestoneEvent[],
  committedAt?: string | null,
): RolloutFacts {
  const first = (...types: string[]) => {
    let at: number | undefined;
    for (const e of events) {
      if (!types.includes(e.type)) continue;
      const t = Date.parse(e.at);
      if (!Number.isNaN(t) && (at === undefined || t < at)) at = t;
    }
    return at;
  };
  const liveAt = first("rollout.switched", "rollout.weight") ?? rollout.switchedAt;
  const promotedAt = first("rollout.promoted");
  const abandonedAt = first("rollout.rollback", "rollout.failed", "rollout.superseded");
  const outcome =
    rollout.outcome !== undefined && OUTCOMES.has(rollout.outcome) ? rollout.outcome : undefined;
  const commit = committedAt ? Date.parse(committedAt) : Number.NaN;
  return {
    id: rollout.id,
    service: rollout.service,
    environment: rollout.environment,
    kind: rollout.kind,
    version: rollout.candidate.version,
    hadStable: rollout.stable !== undefined,
    startedAt: rollout.createdAt,
    ...(liveAt !== undefined && { liveAt }),
    ...(promotedAt !== undefined && { promotedAt }),
    ...(abandonedAt !== undefined && { abandonedAt }),
    ...(outcome !== undefined && { outcome: outcome as FactOutcome }),
    ...(!Number.isNaN(commit) && { committedAt: commit }),
  };
}
