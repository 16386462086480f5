import { closeAnalysis } from "./analysis-records.js";
import type { Rollout, RolloutOutcome, Transition } from "./types.js";

/**
 * Ends a rollout that has not been decided (or is promoted but its previous revision still warm):
 * traffic goes back to the stable revision at once and the candidate is drained. With no stable
 * revision (first deploy) the candidate is just removed. A rollout still waiting for its approval
 * never started anything: it just ends.
 */
export function abandon(
  rollout: Rollout,
  outcome: Exclude<RolloutOutcome, "promoted">,
  reason: string,
  now: number,
): Transition {
  if (rollout.phase === "awaiting-approval") {
    const final = outcome === "superseded" ? "superseded" : "failed";
    return {
      kind: "done",
      patch: { phase: final, phaseSince: now, outcome: final, reason },
      event: {
        type: final === "superseded" ? "rollout.superseded" : "rollout.failed",
        message: `${rollout.candidate.id} ${final === "superseded" ? "superseded" : "abandoned"} before its approval: ${reason}`,
      },
    };
  }
  // After promotion the warm revision is `retire`; before it, `stable`.
  const back = rollout.phase === "warm" ? rollout.retire : rollout.stable;
  const finalOutcome = back ? outcome : outcome === "superseded" ? "superseded" : "failed";
  const type = outcome === "superseded" ? "rollout.superseded" : back ? "rollout.rollback" : "rollout.failed";
  const verb = outcome === "superseded" ? "superseded" : back ? `rolled back to ${back.id}` : "failed";
  const analysis = closeAnalysis(rollout, outcome === "superseded" ? "superseded" : "rolled back", now);
  return {
    kind: "rollback",
    patch: {
      phase: "draining",
      phaseSince: now,
      outcome: finalOutcome,
      reason,
      retire: rollout.candidate,
      ...(rollout.canary && rollout.phase !== "warm"
        ? { canary: { ...rollout.canary, weight: 0, stepSince: now } }
        : {}),
      ...(analysis ? { analysis } : {}),
    },
    traffic: back
      ? { kind: "switch", to: back.id, drop: rollout.candidate.id }
      : { kind: "remove", revision: rollout.candidate.id },
    event: { type, message: `${rollout.candidate.id} ${verb}: ${reason}` },
  };
}

export const rollback = (rollout: Rollout, reason: string, now: number): Transition =>
  abandon(rollout, "rolled-back", reason, now);
