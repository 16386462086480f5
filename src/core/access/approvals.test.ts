import { describe, expect, it } from "vitest";
import { approvalState, requestApproval, vote } from "./approvals.js";
import { ANONYMOUS, type Principal, type Role } from "./roles.js";

const who = (id: string, role: Role): Principal => ({ kind: "user", id, name: id, role });
const HOUR = 3_600_000;
const t0 = Date.parse("2026-11-25T10:00:00Z");
const fresh = (required?: number) =>
  requestApproval({
    environment: "production",
    requestedBy: "alice",
    now: t0,
    ttlMs: HOUR,
    ...(required ? { required } : {}),
  });

describe("approvals", () => {
  it("starts pending and expires after its time to live", () => {
    const request = fresh();
    expect(approvalState(request, t0)).toBe("pending");
    expect(approvalState(request, t0 + HOUR - 1)).toBe("pending");
    expect(approvalState(request, t0 + HOUR)).toBe("expired");
  });

  it("is approved by someone other than the requester", () => {
    const result = vote(fresh(), who("bob", "deployer"), "approve", t0 + 1000, undefined, "looks good");
    expect(result).toMatchObject({ outcome: "recorded", state: "approved" });
    if (result.outcome !== "recorded") return;
    expect(result.request.votes).toEqual([
      { by: "bob", byName: "bob", verdict: "approve", at: t0 + 1000, comment: "looks good" },
    ]);
  });

  it("refuses the requester's own approval, even an admin's", () => {
    expect(vote(fresh(), who("alice", "admin"), "approve", t0)).toMatchObject({
      outcome: "refused",
      reason: "own-request",
      status: 403,
    });
  });

  it.each([
    { name: "a viewer", principal: who("carol", "viewer"), reason: "forbidden", status: 403 },
    { name: "anonymous", principal: ANONYMOUS, reason: "unauthenticated", status: 401 },
  ])("refuses $name", ({ principal, reason, status }) => {
    expect(vote(fresh(), principal, "approve", t0)).toMatchObject({ outcome: "refused", reason, status });
  });

  it("refuses votes after expiry and after a decision", () => {
    expect(vote(fresh(), who("bob", "deployer"), "approve", t0 + HOUR)).toMatchObject({
      reason: "closed",
      status: 409,
      message: "the approval is already expired",
    });
    const rejected = vote(fresh(), who("bob", "deployer"), "reject", t0);
    expect(rejected).toMatchObject({ outcome: "recorded", state: "rejected" });
    if (rejected.outcome !== "recorded") return;
    expect(vote(rejected.request, who("dave", "admin"), "approve", t0)).toMatchObject({ reason: "closed" });
  });

  it("counts distinct approvers when more than one is required", () => {
    const first = vote(fresh(2), who("bob", "deployer"), "approve", t0);
    expect(first).toMatchObject({ outcome: "recorded", state: "pending" });
    if (first.outcome !== "recorded") return;
    expect(vote(first.request, who("bob", "deployer"), "approve", t0)).toMatchObject({
      reason: "already-voted",
    });
    expect(vote(first.request, who("dave", "admin"), "approve", t0)).toMatchObject({ state: "approved" });
  });

  it("limits approvers to the environment's list when there is one", () => {
    const request = requestApproval({
      environment: "production",
      requestedBy: "alice",
      now: t0,
      ttlMs: HOUR,
      approvers: ["bob"],
    });
    expect(vote(request, who("dave", "admin"), "approve", t0)).toMatchObject({
      outcome: "refused",
      reason: "not-an-approver",
      status: 403,
      message: "only bob may approve deploys to production",
    });
    expect(vote(request, who("bob", "deployer"), "approve", t0)).toMatchObject({ state: "approved" });
  });

  it("honours the environment's tightened approve role", () => {
    const rule = { minimumRoles: { approve: "admin" as const } };
    expect(vote(fresh(), who("bob", "deployer"), "approve", t0, rule)).toMatchObject({ reason: "forbidden" });
    expect(vote(fresh(), who("dave", "admin"), "approve", t0, rule)).toMatchObject({ state: "approved" });
  });
});
