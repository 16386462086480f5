import { describe, expect, it } from "vitest";
import { approvalState, castVote, requestApproval, type ApprovalRequest } from "./approvals.js";

const HOUR = 3_600_000;
const t0 = Date.parse("2026-11-25T10:00:00Z");
const alice = { id: "u-alice", name: "alice" };
const bob = { id: "u-bob", name: "bob" };
const carol = { id: "u-carol", name: "carol" };

const fresh = (over: { required?: number; approvers?: string[]; requestedBy?: string } = {}) =>
  requestApproval({
    environment: "production",
    requestedBy: over.requestedBy ?? "alice",
    now: t0,
    ttlMs: HOUR,
    ...(over.required ? { required: over.required } : {}),
    ...(over.approvers ? { approvers: over.approvers } : {}),
  });

const withVotes = (request: ApprovalRequest, ...votes: ApprovalRequest["votes"]): ApprovalRequest => ({
  ...request,
  votes,
});
const approveBy = (voter: { id: string; name: string }) =>
  ({ by: voter.id, byName: voter.name, verdict: "approve", at: t0 }) as const;
const rejectBy = (voter: { id: string; name: string }) =>
  ({ by: voter.id, byName: voter.name, verdict: "reject", at: t0 }) as const;

describe("approvalState", () => {
  it.each([
    { name: "no votes, before expiry", request: fresh(), at: t0 + HOUR - 1, state: "pending" },
    { name: "no votes, at expiry", request: fresh(), at: t0 + HOUR, state: "expired" },
    { name: "one approval of one", request: withVotes(fresh(), approveBy(bob)), at: t0, state: "approved" },
    {
      name: "one approval of two",
      request: withVotes(fresh({ required: 2 }), approveBy(bob)),
      at: t0,
      state: "pending",
    },
    {
      name: "a rejection wins over approvals",
      request: withVotes(fresh({ required: 2 }), approveBy(bob), rejectBy(carol)),
      at: t0,
      state: "rejected",
    },
    {
      name: "a decision made before expiry stays",
      request: withVotes(fresh(), approveBy(bob)),
      at: t0 + 2 * HOUR,
      state: "approved",
    },
  ])("$name: $state", ({ request, at, state }) => {
    expect(approvalState(request, at)).toBe(state);
  });
});

describe("castVote", () => {
  it.each([
    {
      name: "the requester, by name",
      request: fresh(),
      voter: { id: "u-a", name: "alice" },
      refused: { reason: "own-request", code: "SLIPWAY_FORBIDDEN" },
    },
    {
      name: "the requester, by id",
      request: fresh({ requestedBy: "u-alice" }),
      voter: alice,
      refused: { reason: "own-request", code: "SLIPWAY_FORBIDDEN" },
    },
    {
      name: "someone not on the approvers list",
      request: fresh({ approvers: ["carol"] }),
      voter: bob,
      refused: { reason: "not-an-approver", code: "SLIPWAY_FORBIDDEN" },
    },
    {
      name: "an approver who already voted",
      request: withVotes(fresh({ required: 2 }), approveBy(bob)),
      voter: bob,
      refused: { reason: "already-voted", code: "SLIPWAY_CONFLICT" },
    },
    {
      name: "anyone after expiry",
      request: fresh(),
      voter: bob,
      at: t0 + HOUR,
      refused: { reason: "closed", state: "expired", code: "SLIPWAY_CONFLICT" },
    },
    {
      name: "anyone after a rejection",
      request: withVotes(fresh(), rejectBy(carol)),
      voter: bob,
      refused: { reason: "closed", state: "rejected", code: "SLIPWAY_CONFLICT" },
    },
    {
      name: "the requester after expiry (closed comes first)",
      request: fresh(),
      voter: alice,
      at: t0 + HOUR,
      refused: { reason: "closed", state: "expired", code: "SLIPWAY_CONFLICT" },
    },
  ])("refuses $name", ({ request, voter, at, refused }) => {
    expect(castVote(request, voter, "approve", at ?? t0)).toEqual({ ok: false, ...refused });
  });

  it.each([
    { name: "anyone else, when no approvers are listed", request: fresh(), voter: bob, state: "approved" },
    {
      name: "a listed approver, by name",
      request: fresh({ approvers: ["bob"] }),
      voter: bob,
      state: "approved",
    },
    {
      name: "a listed approver, by id",
      request: fresh({ approvers: ["u-bob"] }),
      voter: bob,
      state: "approved",
    },
    {
      name: "the first of two required approvals",
      request: fresh({ required: 2 }),
      voter: bob,
      state: "pending",
    },
    {
      name: "the second of two required approvals, from someone else",
      request: withVotes(fresh({ required: 2 }), approveBy(bob)),
      voter: carol,
      state: "approved",
    },
  ])("counts an approval by $name ($state)", ({ request, voter, state }) => {
    const outcome = castVote(request, voter, "approve", t0 + 1000, "looks good");
    expect(outcome).toMatchObject({ ok: true, state });
    if (!outcome.ok) return;
    expect(outcome.request.votes.at(-1)).toEqual({
      by: voter.id,
      byName: voter.name,
      verdict: "approve",
      at: t0 + 1000,
      comment: "looks good",
    });
    expect(outcome.request.votes).toHaveLength(request.votes.length + 1);
  });

  it("a rejection decides at once and leaves the request it was given unchanged", () => {
    const request = fresh({ required: 2 });
    const outcome = castVote(request, bob, "reject", t0);
    expect(outcome).toMatchObject({ ok: true, state: "rejected" });
    expect(request.votes).toEqual([]);
  });
});
