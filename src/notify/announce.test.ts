import { describe, expect, it } from "vitest";
import { RolloutAnnouncer, runFailedEvent, type RolloutLike } from "./announce.js";

const NOW = Date.parse("2026-11-25T12:00:00.000Z");
const rollout = (patch: Partial<RolloutLike>): RolloutLike => ({
  id: "r-1",
  service: "api",
  environment: "production",
  kind: "deploy",
  strategy: "canary",
  candidate: { version: "1.5.0" },
  stable: { version: "1.4.0" },
  phase: "pending",
  actor: "alice",
  createdAt: NOW,
  ...patch,
});
const types = (a: RolloutAnnouncer, r: Partial<RolloutLike>) =>
  a.onChange({ kind: "rollout", rollout: rollout(r) }).map((e) => e.type);

describe("RolloutAnnouncer", () => {
  it("announces start, approval wait and promotion once each, in the order they happen", () => {
    const a = new RolloutAnnouncer({ now: () => NOW });
    expect(
      types(a, { phase: "awaiting-approval", approval: { requestedBy: "alice", expiresAt: NOW + 1000 } }),
    ).toEqual(["rollout.awaiting_approval"]);
    expect(types(a, { phase: "awaiting-approval" })).toEqual([]);
    expect(types(a, { phase: "pending" })).toEqual(["rollout.started"]);
    expect(types(a, { phase: "stepping" })).toEqual([]);
    expect(types(a, { phase: "warm", outcome: "promoted" })).toEqual(["rollout.promoted"]);
    expect(types(a, { phase: "promoted", outcome: "promoted" })).toEqual([]);
  });

  it("says who rolled back by hand, and 'automatic' otherwise", () => {
    const a = new RolloutAnnouncer({ now: () => NOW });
    a.onChange({ kind: "event", event: { type: "rollout.abort", actor: "bob", rolloutId: "r-1" } });
    expect(
      a.onChange({
        kind: "rollout",
        rollout: rollout({ phase: "warm", outcome: "rolled-back", reason: "aborted" }),
      }),
    ).toEqual([
      {
        type: "rollout.rolled_back",
        rolloutId: "r-1",
        service: "api",
        environment: "production",
        version: "1.5.0",
        at: new Date(NOW).toISOString(),
        toVersion: "1.4.0",
        reason: "aborted",
        automatic: false,
        actor: "bob",
      },
    ]);
    const b = new RolloutAnnouncer({ now: () => NOW });
    b.onChange({ kind: "event", event: { type: "rollout.rollback", actor: "controller", rolloutId: "r-2" } });
    const [event] = b.onChange({
      kind: "rollout",
      rollout: rollout({ id: "r-2", phase: "rolled-back", reason: "error rate 20%" }),
    });
    expect(event).toMatchObject({ type: "rollout.rolled_back", automatic: true, reason: "error rate 20%" });
  });

  it("announces a rollback redeploy by the controller as automatic, and by a person with their name", () => {
    const a = new RolloutAnnouncer({ now: () => NOW });
    const redeploy = { kind: "rollback", candidate: { version: "1.4.0" }, stable: { version: "1.5.0" } };
    const [auto] = a.onChange({
      kind: "rollout",
      rollout: rollout({
        ...redeploy,
        id: "r-3",
        actor: "controller",
        reason: "crashed after its promotion",
      }),
    });
    expect(auto).toMatchObject({ version: "1.5.0", toVersion: "1.4.0", automatic: true });
    expect(auto).not.toHaveProperty("actor");
    const [manual] = a.onChange({
      kind: "rollout",
      rollout: rollout({ ...redeploy, id: "r-4", actor: "bob" }),
    });
    expect(manual).toMatchObject({ automatic: false, actor: "bob" });
  });

  it("turns the watch's service.down and service.recovered audit events into notifications", () => {
    const a = new RolloutAnnouncer({
      now: () => NOW,
      link: (id) => `https://slipway.example/rollouts/${id}`,
    });
    const event = (type: string, message: string, reason: string) =>
      a.onChange({
        kind: "event",
        event: {
          type,
          actor: "controller",
          service: "api",
          environment: "production",
          rolloutId: "r-2",
          message,
          reason,
        },
      });
    expect(event("service.down", "api/production@1.5.0 is down", "no ready instance for 60s")).toEqual([
      {
        type: "service.down",
        service: "api",
        environment: "production",
        version: "1.5.0",
        reason: "no ready instance for 60s",
        rolloutId: "r-2",
        at: new Date(NOW).toISOString(),
        url: "https://slipway.example/rollouts/r-2",
      },
    ]);
    expect(event("service.recovered", "api/production@1.4.0 serves again", "2/2 ready")).toMatchObject([
      { type: "service.recovered", version: "1.4.0", reason: "2/2 ready" },
    ]);
    expect(event("rollout.created", "deploy 1.6.0", "")).toEqual([]);
  });

  it("does not announce as started a rollout first seen long after it began (a restarted server)", () => {
    const a = new RolloutAnnouncer({ now: () => NOW });
    expect(types(a, { phase: "stepping", createdAt: NOW - 10 * 60_000 })).toEqual([]);
  });
});

describe("runFailedEvent", () => {
  it("names the failed jobs of a failed run and ignores other conclusions", () => {
    const run = {
      runId: "7",
      workflow: "CI",
      ref: "refs/heads/main",
      sha: "abc",
      conclusion: "failure",
      actor: "webhook:alice",
      jobs: [
        { key: "build", conclusion: "success" },
        { key: "test (20)", conclusion: "failure" },
      ],
    };
    expect(runFailedEvent(run, "t")).toEqual({
      type: "run.failed",
      runId: "7",
      workflow: "CI",
      ref: "refs/heads/main",
      sha: "abc",
      failedJobs: ["test (20)"],
      actor: "webhook:alice",
      at: "t",
    });
    expect(runFailedEvent({ ...run, conclusion: "cancelled" }, "t")).toBeUndefined();
  });
});
