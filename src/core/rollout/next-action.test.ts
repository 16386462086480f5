import { describe, expect, it } from "vitest";
import { resolveSettings } from "./defaults.js";
import { abandon, nextAction } from "./next-action.js";
import { applyTrafficChange } from "./traffic.js";
import type { CandidateHealth, Observations, Rollout, StatsSample } from "./types.js";
import { isTransition } from "./types.js";

const T0 = 1_000_000;
const BUCKETS = [5, 10, 50, 100, 250, 500, 1000, 5000];

function rollout(over: Partial<Rollout> = {}): Rollout {
  return {
    id: "r-1",
    service: "web",
    environment: "production",
    kind: "deploy",
    strategy: "blue-green",
    candidate: { id: "web/production@v2", version: "v2" },
    stable: { id: "web/production@v1", version: "v1" },
    phase: "pending",
    phaseSince: T0,
    createdAt: T0,
    actor: "test",
    settings: resolveSettings({
      readyTimeoutMs: 10_000,
      analysisWindowMs: 5_000,
      scaleDownDelayMs: 3_000,
      drainTimeoutMs: 2_000,
      triggers: {
        errorRate: { windowMs: 2_000, minRequests: 20 },
        baselineRatio: { windowMs: 2_000, minRequests: 20 },
      },
    }),
    ...over,
  };
}

const healthy: CandidateHealth = {
  desired: 2,
  ready: 2,
  crashed: 0,
  restarts: 0,
  consecutiveHealthFailures: 0,
};

function obs(over: Partial<Observations> = {}): Observations {
  return { candidate: healthy, candidateSamples: [], stableSamples: [], ...over };
}

/** A sample with `total` requests of which `errors` were 5xx, all taking `latency` ms. */
function sample(at: number, total: number, errors: number, latency: number): StatsSample {
  return {
    at,
    total,
    errors5xx: errors,
    latency: { bucketsMs: BUCKETS, counts: BUCKETS.map((b) => (latency <= b ? total : 0)), count: total },
  };
}

describe("nextAction: blue-green happy path", () => {
  const steps: Array<[string, Rollout, Observations, number, string, string | undefined]> = [
    ["pending starts the candidate", rollout(), obs(), T0, "start-candidate", "starting"],
    [
      "starting waits while instances are not ready",
      rollout({ phase: "starting" }),
      obs({ candidate: { ...healthy, ready: 1 } }),
      T0 + 1000,
      "wait-ready",
      undefined,
    ],
    [
      "ready candidate switches traffic",
      rollout({ phase: "starting" }),
      obs(),
      T0 + 1000,
      "switch-traffic",
      "analysing",
    ],
    [
      "ready candidate with a smoke command runs it first",
      rollout({ phase: "starting", settings: { ...rollout().settings, smokeCommand: "true" } }),
      obs(),
      T0 + 1000,
      "run-smoke",
      "smoke",
    ],
    [
      "passed smoke switches",
      rollout({ phase: "smoke" }),
      obs({ smoke: { status: "passed" } }),
      T0 + 100,
      "switch-traffic",
      "analysing",
    ],
    [
      "analysis in progress keeps analysing",
      rollout({ phase: "analysing", switchedAt: T0 }),
      obs(),
      T0 + 4_999,
      "analyse",
      undefined,
    ],
    [
      "analysis window over promotes and keeps the old revision warm",
      rollout({ phase: "analysing", switchedAt: T0 }),
      obs(),
      T0 + 5_000,
      "scale-down",
      "warm",
    ],
    [
      "warm until the scale-down delay",
      rollout({ phase: "warm", retire: { id: "web/production@v1", version: "v1" } }),
      obs(),
      T0 + 2_999,
      "wait",
      undefined,
    ],
    [
      "after the delay the old revision drains",
      rollout({ phase: "warm", retire: { id: "web/production@v1", version: "v1" } }),
      obs(),
      T0 + 3_000,
      "drain",
      "draining",
    ],
    [
      "draining waits for in-flight requests",
      rollout({ phase: "draining" }),
      obs({ retiring: { inflight: 3, instances: 2 } }),
      T0 + 1_000,
      "wait",
      undefined,
    ],
    [
      "drained revision is stopped",
      rollout({ phase: "draining" }),
      obs({ retiring: { inflight: 0, instances: 2 } }),
      T0 + 1_000,
      "stop",
      "stopping",
    ],
    [
      "requests still in flight at the drain timeout do not block stopping",
      rollout({ phase: "draining" }),
      obs({ retiring: { inflight: 1, instances: 2 } }),
      T0 + 2_000,
      "stop",
      "stopping",
    ],
    [
      "stopping waits for instances to exit",
      rollout({ phase: "stopping", outcome: "promoted" }),
      obs({ retiring: { inflight: 0, instances: 1 } }),
      T0 + 100,
      "wait",
      undefined,
    ],
    [
      "stopped: finished with the decided outcome",
      rollout({ phase: "stopping", outcome: "promoted" }),
      obs({ retiring: { inflight: 0, instances: 0 } }),
      T0 + 100,
      "done",
      "promoted",
    ],
  ];
  it.each(steps)("%s", (_name, r, o, now, kind, phase) => {
    const action = nextAction(r, o, now);
    expect(action.kind).toBe(kind);
    if (isTransition(action)) {
      expect(action.patch.phase).toBe(phase);
      expect(action.patch.phaseSince).toBe(now);
    } else expect(phase).toBeUndefined();
  });

  it("a first deploy (no stable) is promoted directly, nothing to retire", () => {
    const action = nextAction(
      rollout({ phase: "analysing", switchedAt: T0, stable: undefined }),
      obs(),
      T0 + 5_000,
    );
    expect(action).toMatchObject({ kind: "done", patch: { phase: "promoted", outcome: "promoted" } });
  });

  it("the switch records the restart count so a later crash is noticed", () => {
    const action = nextAction(
      rollout({ phase: "starting" }),
      obs({ candidate: { ...healthy, restarts: 1 } }),
      T0,
    );
    expect(action).toMatchObject({ patch: { restartsAtSwitch: 1, switchedAt: T0 } });
  });
});

describe("nextAction: automatic rollback", () => {
  const analysing = rollout({ phase: "analysing", switchedAt: T0, phaseSince: T0 });
  const stableBefore = [sample(T0 - 2_000, 0, 0, 3), sample(T0 - 1, 100, 0, 3)];
  const cases: Array<[string, Rollout, Observations, number, RegExp]> = [
    [
      "readiness never comes",
      rollout({ phase: "starting" }),
      obs({ candidate: { ...healthy, ready: 0 } }),
      T0 + 10_000,
      /not ready within 10s \(0\/2 instances ready\)/,
    ],
    [
      "crash on start",
      rollout({ phase: "starting" }),
      obs({ candidate: { ...healthy, ready: 0, crashed: 1, restarts: 3, lastError: "exited with code 1" } }),
      T0 + 500,
      /crashed on start \(3 restarts, last: exited with code 1\)/,
    ],
    [
      "smoke command fails",
      rollout({ phase: "smoke" }),
      obs({ smoke: { status: "failed", detail: "exit code 3" } }),
      T0 + 10,
      /smoke command failed: exit code 3/,
    ],
    [
      "smoke command hangs",
      rollout({ phase: "smoke" }),
      obs({ smoke: { status: "running" } }),
      T0 + 60_000,
      /did not finish/,
    ],
    [
      "error rate above 5 %",
      analysing,
      obs({ candidateSamples: [sample(T0, 0, 0, 3), sample(T0 + 1000, 50, 10, 3)] }),
      T0 + 1000,
      /error rate 20\.0% > 5\.0% over 1000ms \(10\/50 requests 5xx\)/,
    ],
    [
      "p95 above the absolute threshold",
      analysing,
      obs({ candidateSamples: [sample(T0, 0, 0, 3), sample(T0 + 1000, 50, 0, 9_000)] }),
      T0 + 1000,
      /p95 beyond the last bucket > 5000ms/,
    ],
    [
      "p95 above 2x the stable baseline",
      analysing,
      obs({
        candidateSamples: [sample(T0, 0, 0, 3), sample(T0 + 1000, 50, 0, 250)],
        stableSamples: stableBefore,
      }),
      T0 + 1000,
      /p95 250ms > 2x baseline p95 5ms/,
    ],
    [
      "crash after the switch",
      rollout({ phase: "analysing", switchedAt: T0, restartsAtSwitch: 0 }),
      obs({ candidate: { ...healthy, ready: 1, restarts: 1, lastError: "exited with code 1" } }),
      T0 + 3000,
      /crashed after the switch \(exited with code 1\)/,
    ],
    [
      "three consecutive failed health checks",
      analysing,
      obs({ candidate: { ...healthy, consecutiveHealthFailures: 3 } }),
      T0 + 3000,
      /3 consecutive failed health checks/,
    ],
  ];
  it.each(cases)("%s", (_name, r, o, now, reason) => {
    const action = nextAction(r, o, now);
    expect(action.kind).toBe("rollback");
    expect(action).toMatchObject({
      patch: { phase: "draining", outcome: "rolled-back", retire: r.candidate },
      traffic: { kind: "switch", to: "web/production@v1", drop: "web/production@v2" },
      event: { type: "rollout.rollback" },
    });
    expect(isTransition(action) && action.patch.reason).toMatch(reason);
  });

  const quiet: Array<[string, Observations]> = [
    [
      "too few requests for a verdict",
      obs({ candidateSamples: [sample(T0, 0, 0, 3), sample(T0 + 1000, 10, 5, 3)] }),
    ],
    [
      "4 % errors is under 5 %",
      obs({ candidateSamples: [sample(T0, 0, 0, 3), sample(T0 + 1000, 100, 4, 3)] }),
    ],
    [
      "errors before the switch do not count",
      obs({
        candidateSamples: [sample(T0 - 500, 0, 0, 3), sample(T0, 40, 40, 3), sample(T0 + 1000, 90, 40, 3)],
      }),
    ],
    [
      "errors older than the window do not count",
      obs({
        candidateSamples: [sample(T0, 0, 0, 3), sample(T0 + 1000, 50, 40, 3), sample(T0 + 3500, 100, 40, 3)],
      }),
    ],
    [
      "2x a tiny baseline is noise under minDeltaMs",
      obs({
        candidateSamples: [sample(T0, 0, 0, 3), sample(T0 + 1000, 50, 0, 10)],
        stableSamples: [sample(T0 - 2_000, 0, 0, 3), sample(T0 - 1, 100, 0, 3)],
      }),
    ],
    [
      "two failed health checks are not three",
      obs({ candidate: { ...healthy, consecutiveHealthFailures: 2 } }),
    ],
  ];
  it.each(quiet)("no rollback: %s", (_name, o) => {
    const now = o.candidateSamples.at(-1)?.at ?? T0 + 1000;
    expect(nextAction(analysing, o, now).kind).toBe("analyse");
  });

  it("a first deploy that fails ends failed and leaves no traffic to it", () => {
    const action = nextAction(
      rollout({ phase: "starting", stable: undefined }),
      obs({ candidate: { ...healthy, ready: 0 } }),
      T0 + 10_000,
    );
    expect(action).toMatchObject({
      kind: "rollback",
      patch: { outcome: "failed" },
      traffic: { kind: "remove", revision: "web/production@v2" },
      event: { type: "rollout.failed" },
    });
  });
});

describe("nextAction: a route table the proxy has not acknowledged", () => {
  const analysing = rollout({ phase: "analysing", switchedAt: T0, phaseSince: T0 });
  it("does not promote at the end of the analysis window", () => {
    const action = nextAction(analysing, obs({ trafficUnacknowledged: true }), T0 + 5_000);
    expect(action).toEqual({ kind: "wait", reason: "waiting for the proxy to acknowledge the route table" });
  });
  it("does not promote a first deploy (no stable revision) either", () => {
    const first = rollout({ phase: "analysing", switchedAt: T0, stable: undefined });
    expect(nextAction(first, obs({ trafficUnacknowledged: true }), T0 + 5_000).kind).toBe("wait");
  });
  it("promotes once the proxy acknowledged", () => {
    expect(nextAction(analysing, obs({ trafficUnacknowledged: false }), T0 + 5_000).kind).toBe("scale-down");
  });
  it("still rolls back", () => {
    const failing = obs({
      trafficUnacknowledged: true,
      candidate: { ...healthy, ready: 0, crashed: 2 },
      candidateSamples: [sample(T0, 0, 0, 3), sample(T0 + 1000, 50, 10, 3)],
    });
    expect(nextAction(analysing, failing, T0 + 1000).kind).toBe("rollback");
  });
  it("still starts a candidate (nothing was switched yet)", () => {
    expect(nextAction(rollout(), obs({ trafficUnacknowledged: true }), T0).kind).toBe("start-candidate");
  });
});

describe("abandon: manual rollback and supersede", () => {
  it("rolls a warm promotion back to the previous revision instantly", () => {
    const warm = rollout({
      phase: "warm",
      outcome: "promoted",
      retire: { id: "web/production@v1", version: "v1" },
    });
    const t = abandon(warm, "rolled-back", "manual: bad numbers", T0);
    expect(t).toMatchObject({
      patch: { phase: "draining", outcome: "rolled-back", retire: { id: "web/production@v2" } },
      traffic: { kind: "switch", to: "web/production@v1", drop: "web/production@v2" },
    });
  });
  it("supersede ends the rollout superseded and drains its candidate", () => {
    const t = abandon(rollout({ phase: "starting" }), "superseded", "superseded by r-2 (v3)", T0);
    expect(t).toMatchObject({ patch: { outcome: "superseded" }, event: { type: "rollout.superseded" } });
  });
});

describe("applyTrafficChange", () => {
  it("preview, switch, drop and remove", () => {
    let traffic = [{ revision: "a", weight: 100 }];
    traffic = applyTrafficChange(traffic, { kind: "add-preview", revision: "b" });
    expect(traffic).toEqual([
      { revision: "a", weight: 100 },
      { revision: "b", weight: 0 },
    ]);
    expect(applyTrafficChange(traffic, { kind: "add-preview", revision: "b" })).toBe(traffic);
    traffic = applyTrafficChange(traffic, { kind: "switch", to: "b" });
    expect(traffic).toEqual([
      { revision: "b", weight: 100 },
      { revision: "a", weight: 0 },
    ]);
    expect(applyTrafficChange(traffic, { kind: "switch", to: "a", drop: "b" })).toEqual([
      { revision: "a", weight: 100 },
    ]);
    expect(applyTrafficChange(traffic, { kind: "remove", revision: "a" })).toEqual([
      { revision: "b", weight: 100 },
    ]);
  });
});

describe("first deploy (no stable revision)", () => {
  const first = (): Rollout => {
    const { stable: _, ...r } = rollout({
      phase: "analysing",
      phaseSince: T0,
      switchedAt: T0,
      settings: resolveSettings({ analysisWindowMs: 600_000 }),
    });
    return r;
  };

  it("is analysed for the short first-deploy window, not the whole analysis window", () => {
    const waiting = nextAction(first(), obs(), T0 + 29_000);
    expect(waiting).toEqual({ kind: "analyse", reason: "analysis 29s/30s" });
    const done = nextAction(first(), obs(), T0 + 30_000);
    expect(isTransition(done) && done.patch).toMatchObject({ phase: "promoted", outcome: "promoted" });
    expect(isTransition(done) && done.event.message).toBe(
      "promoted web/production@v2 (first deploy, analysed 30s; watched for 5m)",
    );
  });

  it("still rolls back when a threshold trigger trips within that window", () => {
    const samples = [sample(T0, 0, 0, 5), sample(T0 + 2_000, 40, 20, 5)];
    const action = nextAction(first(), obs({ candidateSamples: samples }), T0 + 2_000);
    expect(isTransition(action) && action.kind).toBe("rollback");
  });

  it("says so when traffic switches, and keeps a shorter configured window", () => {
    const { stable: _, ...r } = rollout({ settings: resolveSettings({ analysisWindowMs: 5_000 }) });
    const switched = nextAction({ ...r, phase: "starting" }, obs(), T0 + 1);
    expect(isTransition(switched) && switched.event.message).toBe(
      "traffic switched to web/production@v2; first deploy: no stable revision to compare with, " +
        "so comparisons with stable are skipped and the analysis lasts 5.0s at most",
    );
  });
});
