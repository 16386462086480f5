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

/** Who votes: a user or token, matched against the requester and the approvers by id or name. */
export interface Voter {
  id: string;
  name: string;
}

/** Why a vote does not count; each caller words it for what waits (a rollout, a workflow job). */
export type VoteRefusal =
  | { reason: "closed"; state: Exclude<ApprovalState, "pending">; code: "SLIPWAY_CONFLICT" }
  | { reason: "own-request"; code: "SLIPWAY_FORBIDDEN" }
  | { reason: "not-an-approver"; code: "SLIPWAY_FORBIDDEN" }
  | { reason: "already-voted"; code: "SLIPWAY_CONFLICT" };

export type VoteOutcome =
  { ok: true; request: ApprovalRequest; state: ApprovalState } | ({ ok: false } & VoteRefusal);

/**
 * The approvals rule, for held rollouts and workflow jobs alike: a vote counts when the request is
 * still pending at `now` (not decided, not expired), the voter is not the requester (four eyes, as
 * GitHub's "prevent self-review"), is one of the listed approvers when there is a list, and has not
 * voted yet. Whether the voter holds the `approve` role is the route guard's business, not this.
 *
 * @example
 * const outcome = castVote(request, { id: "u-bob", name: "bob" }, "approve", Date.now());
 * if (!outcome.ok) throw new SlipwayError(outcome.code, `refused: ${outcome.reason}`);
 */
export function castVote(
  request: ApprovalRequest,
  voter: Voter,
  verdict: "approve" | "reject",
  now: number,
  comment?: string,
): VoteOutcome {
  const state = approvalState(request, now);
  if (state !== "pending") return { ok: false, reason: "closed", state, code: "SLIPWAY_CONFLICT" };
  const isVoter = (who: string): boolean => who === voter.id || who === voter.name;
  if (isVoter(request.requestedBy)) return { ok: false, reason: "own-request", code: "SLIPWAY_FORBIDDEN" };
  if (request.approvers.length > 0 && !request.approvers.some(isVoter)) {
    return { ok: false, reason: "not-an-approver", code: "SLIPWAY_FORBIDDEN" };
  }
  if (request.votes.some((v) => v.by === voter.id)) {
    return { ok: false, reason: "already-voted", code: "SLIPWAY_CONFLICT" };
  }
  const next: ApprovalRequest = {
    ...request,
    votes: [
      ...request.votes,
      { by: voter.id, byName: voter.name, verdict, at: now, ...(comment ? { comment } : {}) },
    ],
  };
  return { ok: true, request: next, state: approvalState(next, now) };
}
