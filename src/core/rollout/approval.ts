import {
  approvalState,
  castVote,
  type ApprovalRequest,
  type Voter,
  type VoteRefusal,
} from "../access/approvals.js";
import { human } from "./format.js";
import { isTransition, type Action, type Rollout, type Transition } from "./types.js";

/**
 * Approval holds: a rollout created with a hold waits in `awaiting-approval` (holding the lock, no
 * candidate started) until someone other than the requester approves it (→ `pending`, the rollout
 * starts), rejects it, or it expires (→ `failed`, with the reason). Pure.
 */

export function awaitingApproval(rollout: Rollout, now: number): Action {
  const request = rollout.approval;
  if (!request) return approved(rollout, now, "no approval needed");
  const state = approvalState(request, now);
  switch (state) {
    case "approved":
      return approved(rollout, now, approvedBy(request));
    case "rejected":
      return rejected(rollout, now, request);
    case "expired":
      return {
        kind: "approval",
        patch: {
          phase: "failed",
          phaseSince: now,
          outcome: "failed",
          reason: `approval expired: nobody approved within ${human(request.expiresAt - request.requestedAt)}`,
        },
        event: {
          type: "rollout.approval-expired",
          message: `${rollout.candidate.id} not deployed: approval expired after ${human(request.expiresAt - request.requestedAt)}`,
        },
      };
    case "pending":
      return {
        kind: "wait",
        reason: `waiting for approval${request.approvers.length ? ` by ${request.approvers.join(" or ")}` : ""} (expires in ${human(Math.max(0, request.expiresAt - now))})`,
      };
    default: {
      const never: never = state;
      return never;
    }
  }
}

const approvedBy = (request: ApprovalRequest) =>
  `approved by ${request.votes
    .filter((v) => v.verdict === "approve")
    .map((v) => `${v.byName}${v.comment ? ` ("${v.comment}")` : ""}`)
    .join(", ")}`;

function approved(rollout: Rollout, now: number, message: string): Transition {
  return {
    kind: "approval",
    patch: { phase: "pending", phaseSince: now },
    event: { type: "rollout.approved", message: `${rollout.candidate.id} ${message}` },
  };
}

function rejected(rollout: Rollout, now: number, request: ApprovalRequest): Transition {
  const vote = request.votes.find((v) => v.verdict === "reject");
  const reason = `rejected by ${vote?.byName ?? "?"}${vote?.comment ? `: ${vote.comment}` : ""}`;
  return {
    kind: "approval",
    patch: { phase: "failed", phaseSince: now, outcome: "failed", reason },
    event: { type: "rollout.rejected", message: `${rollout.candidate.id} not deployed: ${reason}` },
  };
}

export type VoteResult =
  | { ok: true; transition: Transition }
  | { ok: false; code: "SLIPWAY_CONFLICT" | "SLIPWAY_FORBIDDEN"; message: string };

/**
 * A vote on a held rollout. Refused (with the error code to throw) when the rollout is not waiting
 * for an approval, the approval has expired, the voter asked for the deploy, is not among the
 * approvers, or already voted. The transition records the vote and, when it decides, the outcome.
 */
export function voteOn(
  rollout: Rollout,
  voter: Voter,
  verdict: "approve" | "reject",
  now: number,
  comment?: string,
): VoteResult {
  const request = rollout.approval;
  if (rollout.phase !== "awaiting-approval" || !request) {
    return {
      ok: false,
      code: "SLIPWAY_CONFLICT",
      message: `rollout ${rollout.id} is ${rollout.phase}, not waiting for an approval`,
    };
  }
  const vote = castVote(request, voter, verdict, now, comment);
  if (!vote.ok)
    return { ok: false, code: vote.code, message: refusalMessage(vote, rollout.id, request, voter, verdict) };
  const next = vote.request;
  const decided = awaitingApproval({ ...rollout, approval: next }, now);
  if (isTransition(decided)) {
    return { ok: true, transition: { ...decided, patch: { ...decided.patch, approval: next } } };
  }
  return {
    ok: true,
    transition: {
      kind: "approval",
      patch: { phase: "awaiting-approval", phaseSince: now, approval: next },
      event: {
        type: "rollout.approval-vote",
        message: `${voter.name} ${verdict === "approve" ? "approved" : "rejected"} ${rollout.candidate.id} (${next.votes.filter((v) => v.verdict === "approve").length}/${next.required} approvals)`,
      },
    },
  };
}

function refusalMessage(
  refusal: VoteRefusal,
  rolloutId: string,
  request: ApprovalRequest,
  voter: Voter,
  verdict: "approve" | "reject",
): string {
  switch (refusal.reason) {
    case "closed":
      return `the approval of rollout ${rolloutId} is already ${refusal.state}`;
    case "own-request":
      return `${voter.name} requested rollout ${rolloutId}; someone else must ${verdict} it`;
    case "not-an-approver":
      return `only ${request.approvers.join(", ")} may approve deploys to ${request.environment}`;
    case "already-voted":
      return `${voter.name} has already voted on rollout ${rolloutId}`;
    default: {
      const never: never = refusal;
      return never;
    }
  }
}
