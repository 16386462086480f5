import type { Rollout } from "./types.js";

const FINAL = ["promoted", "rolled-back", "superseded", "failed"];
const CLEANUP = ["warm", "draining", "stopping"];

export type Act = "approve" | "reject" | "promote" | "promote-full" | "abort" | "rollback";

/**
 * The buttons a user may press on a rollout, by role and phase; the server still decides. Rollback
 * acts on the environment, so it is offered on the environment's latest rollout only; approving
 * one's own request is refused by the server, so it is not offered.
 */
export function availableActions(
  rollout: Rollout,
  user: { id: string; name: string; role: string },
  latest: boolean,
): Act[] {
  if (user.role === "viewer") return [];
  const acts: Act[] = [];
  const deciding = !FINAL.includes(rollout.phase) && !CLEANUP.includes(rollout.phase);
  // The audit trail names the requester (older rollouts: their id).
  const requester = rollout.actor === user.name || rollout.actor === user.id;
  if (rollout.phase === "awaiting-approval" && !requester) acts.push("approve", "reject");
  if (rollout.strategy === "canary" && ["stepping", "paused", "analysing"].includes(rollout.phase)) {
    acts.push("promote", "promote-full");
  }
  if (deciding) acts.push("abort");
  if (
    latest &&
    rollout.kind === "deploy" &&
    (rollout.phase === "promoted" || (CLEANUP.includes(rollout.phase) && rollout.outcome === "promoted"))
  ) {
    acts.push("rollback");
  }
  return acts;
}
