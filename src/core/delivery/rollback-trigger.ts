/**
 * What made the controller (or a person) take traffic away from a candidate, as a small closed set
 * fit for a Prometheus label. Read from the rollback's reason, which the controller writes for
 * people (src/core/rollout/triggers.ts, next-action.ts); an unknown wording is "other", never a
 * new label value.
 */
export const ROLLBACK_TRIGGERS = [
  "manual",
  "smoke",
  "readiness-timeout",
  "start-crash",
  "crash",
  "health",
  "error-rate",
  "latency",
  "baseline-latency",
  "analysis",
  "other",
] as const;
export type RollbackTrigger = (typeof ROLLBACK_TRIGGERS)[number];

const RULES: ReadonlyArray<readonly [RegExp, RollbackTrigger]> = [
  [/^(manual rollback|abort(ed)? by|rolled back by)/i, "manual"],
  [/^smoke command/i, "smoke"],
  [/not ready within/i, "readiness-timeout"],
  [/crashed on start/i, "start-crash"],
  [/crashed after the switch/i, "crash"],
  [/consecutive failed health checks/i, "health"],
  [/^error rate /i, "error-rate"],
  [/x baseline p\d+/i, "baseline-latency"],
  [/^p\d+ .*> \d+(\.\d+)?ms/i, "latency"],
  [/analysis|metric/i, "analysis"],
];

/** @example rollbackTrigger("error rate 20.0% > 5.0% over 2000ms (8/40 requests 5xx)") // → "error-rate" */
export function rollbackTrigger(reason: string | undefined): RollbackTrigger {
  if (!reason) return "other";
  for (const [pattern, trigger] of RULES) if (pattern.test(reason)) return trigger;
  return "other";
}
