import { describe, expect, it } from "vitest";
import { factsFromRollout, type RolloutSummary } from "./facts.js";
import { rollbackTrigger } from "./rollback-trigger.js";

const rollout: RolloutSummary = {
  id: "r-7",
  service: "web",
  environment: "production",
  kind: "deploy",
  candidate: { id: "web/production@v3", version: "v3" },
  stable: { id: "web/production@v2", version: "v2" },
  createdAt: Date.parse("2026-11-20T10:00:00.000Z"),
  switchedAt: Date.parse("2026-11-20T10:01:30.000Z"),
  phase: "rolled-back",
  outcome: "rolled-back",
};

describe("factsFromRollout", () => {
  it("dates milestones from the audit events and the commit from the release", () => {
    const facts = factsFromRollout(
      rollout,
      [
        { type: "rollout.created", at: "2026-11-20T10:00:00.000Z" },
        { type: "rollout.switched", at: "2026-11-20T10:01:00.000Z" },
        { type: "rollout.promoted", at: "2026-11-20T10:05:00.000Z" },
        { type: "rollout.rollback", at: "2026-11-20T10:07:00.000Z" },
        { type: "rollout.finished", at: "2026-11-20T10:09:00.000Z" },
      ],
      "2026-11-20T08:00:00+01:00",
    );
    expect(facts).toEqual({
      id: "r-7",
      service: "web",
      environment: "production",
      kind: "deploy",
      version: "v3",
      hadStable: true,
      startedAt: Date.parse("2026-11-20T10:00:00.000Z"),
      liveAt: Date.parse("2026-11-20T10:01:00.000Z"),
      promotedAt: Date.parse("2026-11-20T10:05:00.000Z"),
      abandonedAt: Date.parse("2026-11-20T10:07:00.000Z"),
      outcome: "rolled-back",
      committedAt: Date.parse("2026-11-20T07:00:00.000Z"),
    });
  });

  it("falls back on the document's switch time and leaves unknown values out", () => {
    const facts = factsFromRollout(
      { ...rollout, stable: undefined, outcome: undefined, phase: "analysing" },
      [],
      null,
    );
    expect(facts).toEqual({
      id: "r-7",
      service: "web",
      environment: "production",
      kind: "deploy",
      version: "v3",
      hadStable: false,
      startedAt: Date.parse("2026-11-20T10:00:00.000Z"),
      liveAt: Date.parse("2026-11-20T10:01:30.000Z"),
    });
  });
});

describe("rollbackTrigger", () => {
  it.each([
    ["manual rollback by alice: checkout is broken", "manual"],
    ["smoke command failed: exit 1", "smoke"],
    ["smoke command did not finish within 30s", "smoke"],
    ["candidate not ready within 6s (1/2 instances ready)", "readiness-timeout"],
    ["candidate crashed on start (3 restarts)", "start-crash"],
    ["candidate instance crashed after the switch (exit 1)", "crash"],
    ["3 consecutive failed health checks (limit 3)", "health"],
    ["error rate 20.0% > 5.0% over 2000ms (8/40 requests 5xx)", "error-rate"],
    ["p95 900ms > 500ms over 2000ms", "latency"],
    ["p95 40ms > 2x baseline p95 10ms", "baseline-latency"],
    ["analysis failed: error-rate: 3 of 3 measurements failed", "analysis"],
    ["something new", "other"],
    [undefined, "other"],
  ])("%s → %s", (reason, trigger) => {
    expect(rollbackTrigger(reason)).toBe(trigger);
  });
});
