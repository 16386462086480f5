import { describe, expect, it } from "vitest";
import type { MetricDefinition } from "../analysis/definition.js";
import type { MetricRunState } from "../analysis/metric-run.js";
import { requestApproval } from "../access/approvals.js";
import { resolveSettings } from "./defaults.js";
import { durationWords, rolloutProgress } from "./progress.js";
import type { CanaryStep, Rollout } from "./types.js";

const T0 = 1_000_000;
const V1 = { id: "web/production@v1", version: "v1" };
const V2 = { id: "web/production@v2", version: "v2" };

function rollout(over: Partial<Rollout> = {}): Rollout {
  return {
    id: "r-1",
    service: "web",
    environment: "production",
    kind: "deploy",
    strategy: "blue-green",
    candidate: V2,
    stable: V1,
    phase: "pending",
    phaseSince: T0,
    createdAt: T0,
    actor: "alice",
    settings: resolveSettings({}),
    ...over,
  };
}

function metric(name: string, run: Partial<MetricDefinition["run"]>): MetricDefinition {
  return {
    name,
    unit: "ratio",
    source: { provider: "proxy" },
    judge: { kind: "threshold", statistic: "error-rate", max: 0.05 },
    run: { name, ...run },
  };
}

const running = (over: Partial<MetricRunState>): MetricRunState => ({
  name: "errors",
  phase: "running",
  startedAt: T0,
  taken: 0,
  successful: 0,
  failed: 0,
  inconclusive: 0,
  errors: 0,
  consecutiveErrors: 0,
  consecutiveSuccesses: 0,
  measurements: [],
  message: "running",
  ...over,
});

describe("rolloutProgress", () => {
  it("says time left in words, rounded up to the second", () => {
    expect(durationWords(250_000)).toBe("4 m 10 s");
    expect(durationWords(3_300_000)).toBe("55 m");
    expect(durationWords(19_001)).toBe("20 s");
    expect(durationWords(3_900_000)).toBe("1 h 5 m");
    expect(durationWords(-5)).toBe("0 s");
  });

  it("readiness: instances ready and the ready timeout left", () => {
    const r = rollout({ phase: "starting", phaseSince: T0 });
    const p = rolloutProgress(r, T0 + 100_000, { candidate: { ready: 1, desired: 2 } });
    expect(p).toEqual({
      step: null,
      of: null,
      doing: "readiness",
      waitingFor: "1/2 instances ready",
      remainingMs: 20_000,
      deadline: T0 + 120_000,
      text: "readiness: 1/2 instances ready, up to 20 s left",
    });
  });

  it("approval: who may approve and when the request expires", () => {
    const approval = requestApproval({
      environment: "production",
      requestedBy: "alice",
      now: T0,
      ttlMs: 3_600_000,
      approvers: ["bob"],
    });
    const p = rolloutProgress(rollout({ phase: "awaiting-approval", approval }), T0 + 300_000);
    expect(p.text).toBe("waiting for approval by bob (expires in 55 m)");
    expect(p.deadline).toBe(T0 + 3_600_000);
  });

  it("blue-green analysis: the window left; a first deploy says it has nothing to compare with", () => {
    const bg = rollout({ phase: "analysing", phaseSince: T0, switchedAt: T0 });
    expect(rolloutProgress(bg, T0 + 350_000).text).toBe("analysis: 4 m 10 s left");
    const { stable: _, ...first } = bg;
    const p = rolloutProgress(first, T0 + 10_000);
    expect(p.text).toBe("analysis: first deploy, nothing to compare with, 20 s left");
    expect(p.remainingMs).toBe(20_000);
  });

  it("canary pause step: the step and the pause left", () => {
    const steps: CanaryStep[] = [
      { kind: "setWeight", weight: 20 },
      { kind: "pause", durationMs: 180_000 },
      { kind: "setWeight", weight: 100 },
    ];
    const r = rollout({
      strategy: "canary",
      phase: "stepping",
      canary: { steps, stepIndex: 1, weight: 20, stepSince: T0 },
    });
    const p = rolloutProgress(r, T0 + 55_000);
    expect(p).toMatchObject({ step: 2, of: 3, doing: "pause", remainingMs: 125_000 });
    expect(p.text).toBe("pause 2/3: 2 m 5 s left");
  });

  it("canary analysis step waiting for requests: what is missing and the longest it may take", () => {
    const errors = metric("errors", { intervalMs: 10_000, count: 3 });
    const steps: CanaryStep[] = [
      { kind: "setWeight", weight: 20 },
      { kind: "analysis", metrics: [errors] },
      { kind: "setWeight", weight: 100 },
    ];
    const state = running({
      waitingSince: T0,
      nextMeasurementAt: T0 + 5_000,
      measurements: [
        {
          phase: "waiting",
          startedAt: T0,
          finishedAt: T0,
          explanation: "waiting for 50 requests on the canary (41 so far)",
          waitingFor: { side: "canary", what: "requests", needed: 50, have: 41 },
        },
      ],
    });
    const r = rollout({
      strategy: "canary",
      phase: "stepping",
      canary: { steps, stepIndex: 1, weight: 20, stepSince: T0 },
      analysis: [
        {
          id: "r-1/a1",
          step: 1,
          startedAt: T0,
          metrics: [{ name: "errors", unit: "ratio", judge: "threshold", dryRun: false, state }],
        },
      ],
    });
    // Waiting ends at T0 + 10 m at the latest; then 2 more measurements 10 s apart.
    const p = rolloutProgress(r, T0 + 370_000);
    expect(p.text).toBe("analysis 2/3: 41 of 50 requests, up to 4 m 10 s left");
    expect(p.deadline).toBe(T0 + 620_000);
  });

  it("paused canary: why, and that a person must act (no time bound)", () => {
    const steps: CanaryStep[] = [
      { kind: "setWeight", weight: 20 },
      { kind: "pause", manual: true },
    ];
    const r = rollout({
      strategy: "canary",
      phase: "paused",
      canary: {
        steps,
        stepIndex: 1,
        weight: 20,
        stepSince: T0,
        paused: { since: T0, reason: "step 2/2: paused until promoted", by: "step" },
      },
    });
    const p = rolloutProgress(r, T0 + 1_000);
    expect(p.text).toBe("paused 2/2: step 2/2: paused until promoted; `slipway promote` to go on");
    expect(p.remainingMs).toBeNull();
  });

  it("decided and finished rollouts show their outcome, never the last step", () => {
    const steps: CanaryStep[] = [
      { kind: "setWeight", weight: 50 },
      { kind: "setWeight", weight: 100 },
    ];
    const canary = { steps, stepIndex: 2, weight: 100, stepSince: T0 };
    const warm = rollout({ strategy: "canary", phase: "warm", outcome: "rolled-back", retire: V2, canary });
    expect(rolloutProgress(warm, T0 + 10_000).text).toBe(
      "rolled back: v2 kept warm for an instant rollback, 20 s left",
    );
    const done = rollout({
      strategy: "canary",
      phase: "rolled-back",
      outcome: "rolled-back",
      reason: "error rate 20.0% > 5% over 2.0s (40 requests)",
      canary,
    });
    const p = rolloutProgress(done, T0 + 10_000);
    expect(p).toMatchObject({ step: null, of: null, doing: "rolled back", remainingMs: null });
    expect(p.text).toBe("rolled back: error rate 20.0% > 5% over 2.0s (40 requests)");
  });
});
