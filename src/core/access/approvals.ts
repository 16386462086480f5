import { can, type EnvironmentAccessRule } from "./can.js";
import type { Principal } from "./roles.js";

/**
 * A held rollout (or a workflow job with `environment: NAME`) waiting for a person. Pure data:
 * the Store persists it, the functions below decide what a vote does to it.
 */
export interface ApprovalRequest {
  environment: string;
  /** Id of the principal that asked for the deploy; they may not approve it themselves. */
  requestedBy: string;
  /** Epoch milliseconds. */
  requestedAt: number;
  expiresAt: number;
  /** Approvals needed; 1 unless the environment asks for more. */
  required: number;
  /** Who may approve (user or token names or ids); anyone with the role when empty. */
  approvers: readonly string[];
  votes: readonly ApprovalVote[];
}

export interface ApprovalVote {
  by: string;
  byName: string;
  verdict: "approve" | "reject";
  at: number;
  comment?: string;
}

export type ApprovalState = "pending" | "approved" | "rejected" | "expired";

/** Builds a request that expires `ttlMs` after `now`. */
export function requestApproval(args: {
  environment: string;
  requestedBy: string;
  now: number;
  ttlMs: number;
  required?: number;
  approvers?: readonly string[];
}): ApprovalRequest {
  return {
    environment: args.environment,
    requestedBy: args.requestedBy,
    requestedAt: args.now,
    expiresAt: args.now + args.ttlMs,
    required: Math.max(1, args.required ?? 1),
    approvers: [...(args.approvers ?? [])],
    votes: [],
  };
}

/** Where a request stands at `now`. A rejection wins over approvals; votes after expiry never count. */
export function approvalState(request: ApprovalRequest, now: number): ApprovalState {
  if (request.votes.some((v) => v.verdict === "reject")) return "rejected";
  if (request.votes.filter((v) => v.verdict === "approve").length >= request.required) return "approved";
  return now >= request.expiresAt ? "expired" : "pending";
}

export type VoteOutcome =
  | { outcome: "recorded"; request: ApprovalRequest; state: ApprovalState }
  | {
      outcome: "refused";
      reason:
        "unauthenticated" | "forbidden" | "not-an-approver" | "own-request" | "already-voted" | "closed";
      status: 401 | 403 | 409;
      message: string;
    };

/**
 * Records `principal`'s vote if allowed: they need the `approve` role in the environment, must not
 * be the requester (four eyes, as GitHub's "prevent self-review"), must not have voted already, and
 * the request must still be pending at `now`.
 */
export function vote(
  request: ApprovalRequest,
  principal: Principal,
  verdict: "approve" | "reject",
  now: number,
  rule?: EnvironmentAccessRule,
  comment?: string,
): VoteOutcome {
  const decision = can(principal, "approve", { kind: "environment", environment: request.environment, rule });
  if (decision.effect === "deny" || principal.kind === "anonymous") {
    const status = decision.effect === "deny" ? decision.status : 401;
    return {
      outcome: "refused",
      reason: status === 401 ? "unauthenticated" : "forbidden",
      status,
      message: decision.effect === "deny" ? decision.reason : "sign in or send an API token",
    };
  }
  const state = approvalState(request, now);
  if (state !== "pending") {
    return { outcome: "refused", reason: "closed", status: 409, message: `the approval is already ${state}` };
  }
  if (principal.id === request.requestedBy) {
    return {
      outcome: "refused",
      reason: "own-request",
      status: 403,
      message: "you requested this deploy; someone else must approve it",
    };
  }
  if (
    request.approvers.length > 0 &&
    !request.approvers.includes(principal.name) &&
    !request.approvers.includes(principal.id)
  ) {
    return {
      outcome: "refused",
      reason: "not-an-approver",
      status: 403,
      message: `only ${request.approvers.join(", ")} may approve deploys to ${request.environment}`,
    };
  }
  if (request.votes.some((v) => v.by === principal.id)) {
    return { outcome: "refused", reason: "already-voted", status: 409, message: "you have already voted" };
  }
  const next: ApprovalRequest = {
    ...request,
    votes: [
      ...request.votes,
      { by: principal.id, byName: principal.name, verdict, at: now, ...(comment ? { comment } : {}) },
    ],
  };
  return { outcome: "recorded", request: next, state: approvalState(next, now) };
}
