/** Delivery metrics (DORA) computed purely from rollout history; see docs/metrics.md. */
export { DELIVERY_MAX_DAYS, DELIVERY_WINDOW_DAYS } from "./defaults.js";
export { DAY_MS, deliveryMetrics, failureKind, type FailureKind } from "./compute.js";
export { factsFromRollout, MILESTONE_EVENTS, type MilestoneEvent, type RolloutSummary } from "./facts.js";
export { rollbackTrigger, ROLLBACK_TRIGGERS, type RollbackTrigger } from "./rollback-trigger.js";
export type * from "./types.js";
