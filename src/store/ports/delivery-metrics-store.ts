import type { RolloutFacts } from "../../core/delivery/types.js";

/**
 * What the delivery (DORA) metrics read: every rollout still deciding or changed at or after
 * `since`, as facts. Later rollouts matter too (a rollback after a promotion, the restore after a
 * failure), and they are always changed after `since`. Read-only.
 */
export interface DeliveryMetricsStore {
  rolloutFacts(query: { since: number; environment?: string }): Promise<RolloutFacts[]>;
}
