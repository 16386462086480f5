import { describe, expect, it } from "vitest";
import type { MetricDefinition } from "../analysis/definition.js";
import type { Measurement } from "../analysis/metric-run.js";
import { requestApproval } from "../access/approvals.js";
import { dueMeasurements, withMeasurement } from "./analysis-records.js";
import { voteOn } from "./approval.js";
import { resolveSettings } from "./defaults.js";
import { abortDecision, promoteDecision } from "./manual.js";
import { nextAction } from "./next-action.js";
import { applyTrafficChange, liveRevision } from "./traffic.js";
import type { CandidateHealth, CanaryStep, Observations, Rollout, Transition } from "./types.js";
import { isTransition } from "./types.js";

const T0 = 1_000_000;
const V1 = { id: "web/production@v1", version: "v1" };
const V2 = { id: "web/production@v2", version: "v2" };

function metric(name: string, run: Partial<MetricDefinition["run"]> = {}): MetricDefinition {
  return {
    name,
    unit: "ratio",
    source: { provider: "proxy" },
    judge: { kind: "threshold", statistic: "error-rate", max: 0.05 },
    run: { name, ...run },
  };
}

function canary(steps: CanaryStep[], over: Partial<Rollout> = {}): Rollout {
  return {
    id: "r-1",
    service: "web",
    environment: "production",
    kind: "deploy",
    strategy: "canary",
    candidate: V2,
    stable: V1,
    phase: "pending",
    phaseSince: T0,
    createdAt: T0,
    actor: "alice",
    settings: { ...resolveSettings({ scaleDownDelayMs: 3_000 }), metrics: [] },
    canary: { steps, stepIndex: 0, weight: 0, stepSince: T0 },
    ...over,
  };
}

const healthy: CandidateHealth = {
  desired: 1,
  ready: 1,
  crashed: 0,
  restarts: 0,
  consecutiveHealthFailures: 0,
};
const obs = (over: Partial<Observations> = {}): Observations => ({
  candidate: healthy,
  candidateSamples: [],
  stableSamples: [],
  ...over,
});

const apply = (r: Rollout, t: Transition): Rollout => ({ ...r, ...t.patch });

/** Take transitions until the machine waits; returns the rollout and every transition taken. */
function run(r: Rollout, now: number, o = obs()): { rollout: Rollout; taken: Transition[]; wait: string } {
  const taken: Transition[] = [];
  let rollout = r;
  for (let i = 0; i < 20; i++) {
    const action = nextAction(rollout, o, now);
    if (!isTransition(action)) return { rollout, taken, wait: action.reason };
    taken.push(action);
    rollout = apply(rollout, action);
  }
  throw new Error("no wait within 20 transitions");
}

const ok = (at: number): Measurement => ({
  phase: "successful",
  startedAt: at,
  finishedAt: at,
  explanation: "errors: canary 0.0% within max 5% → pass",
});
const bad = (at: number): Measurement => ({
  phase: "failed",
  startedAt: at,
  finishedAt: at,
  explanation: "errors: canary 20.0% above max 5% → fail",
});
const unsure = (at: number): Measurement => ({
  phase: "inconclusive",
  startedAt: at,
  finishedAt: at,
  explanation: "errors: 3 requests, 20 needed → inconclusive",
});

/** Record `m` for every due measurement of the rollout. */
function measureAll(r: Rollout, now: number, m: (at: number) => Measurement): Rollout {
  let rollout = r;
  for (const due of dueMeasurements(rollout, now)) {
    const analysis = withMeasurement(rollout, due.recordId, due.metric.name, m(now));
    if (analysis) rollout = { ...rollout, analysis };
  }
  return rollout;
}

describe("canary: steps", () => {
  it("starts at weight 0, then sets weights (stable gets the rest), waits out pauses and promotes after the last step", () => {
    let r = canary([
      { kind: "setWeight", weight: 10 },
      { kind: "pause", durationMs: 5_000 },
      { kind: "setWeight", weight: 50 },
    ]);
    let step = run(r, T0, obs({ candidate: { ...healthy, ready: 0 } }));
    expect(step.taken.map((t) => t.kind)).toEqual(["start-candidate"]);
    expect(step.wait).toBe("0/1 instances ready");
    r = step.rollout;
    step = run(r, T0 + 100);
    expect(step.taken.map((t) => t.kind)).toEqual(["advance", "set-weight"]);
    r = step.rollout;
    expect(r.phase).toBe("stepping");
    expect(r.canary).toMatchObject({ stepIndex: 1, weight: 10, stepSince: T0 + 100 });
    expect(r.switchedAt).toBe(T0 + 100);
    expect(step.taken[1]?.traffic).toEqual({ kind: "set-weight", canary: V2.id, stable: V1.id, weight: 10 });
    // The Store stamps a transition's event with its phaseSince: every step transition carries its own time.
    expect(step.taken[1]?.patch.phaseSince).toBe(T0 + 100);
    expect(step.taken[1]?.event.message).toBe(`step 1/3: canary ${V2.id} at 10%, stable ${V1.id} at 90%`);
    expect(step.wait).toBe("step 2/3: pause 0.0s/5.0s");

    expect(run(r, T0 + 5_099).taken).toEqual([]);
    step = run(r, T0 + 5_100);
    expect(step.taken.map((t) => t.kind)).toEqual(["advance", "set-weight", "promote"]);
    r = step.rollout;
    expect(step.taken[2]?.traffic).toEqual({ kind: "switch", to: V2.id });
    expect(r).toMatchObject({
      phase: "warm",
      outcome: "promoted",
      retire: V1,
      canary: { weight: 100, stepIndex: 3 },
    });
    // Then blue-green's tail: warm → drain → stop.
    expect(nextAction(r, obs(), T0 + 5_100 + 3_000).kind).toBe("drain");
  });

  it("runs the smoke command before the first step when one is configured", () => {
    const r = canary([{ kind: "setWeight", weight: 10 }], {
      phase: "starting",
      settings: { ...canary([]).settings, smokeCommand: "true" },
    });
    const smoke = nextAction(r, obs(), T0);
    expect(smoke).toMatchObject({ kind: "run-smoke", patch: { phase: "smoke" } });
    const passed = nextAction({ ...r, phase: "smoke" }, obs({ smoke: { status: "passed" } }), T0 + 10);
    expect(passed).toMatchObject({ kind: "advance", patch: { phase: "stepping" } });
  });

  it("a first deploy (no stable revision) has nobody to share traffic with: it switches like blue-green", () => {
    const r = canary([{ kind: "setWeight", weight: 10 }], { phase: "starting", stable: undefined });
    expect(nextAction(r, obs(), T0)).toMatchObject({ kind: "switch-traffic", patch: { phase: "analysing" } });
  });

  it("a manual pause waits for promote, which resumes after it", () => {
    let r = canary(
      [
        { kind: "setWeight", weight: 20 },
        { kind: "pause", manual: true },
        { kind: "setWeight", weight: 60 },
      ],
      {
        phase: "starting",
      },
    );
    const step = run(r, T0);
    r = step.rollout;
    expect(r.phase).toBe("paused");
    expect(r.canary?.paused).toEqual({ since: T0, reason: "step 2/3: paused until promoted", by: "step" });
    expect(step.wait).toBe("paused: step 2/3: paused until promoted");
    expect(run(r, T0 + 3_600_000).taken).toEqual([]);

    const promoted = promoteDecision(r, { actor: "bob", reason: "looks good" }, T0 + 1_000);
    if (!promoted.ok) throw new Error(promoted.message);
    expect(promoted.transition).toMatchObject({
      kind: "resume",
      patch: { phase: "stepping", canary: { stepIndex: 2, weight: 20 } },
      event: { type: "rollout.resumed", message: "step 2/3 resumed by bob: looks good" },
    });
    r = apply(r, promoted.transition);
    expect(r.canary?.paused).toBeUndefined();
    expect(run(r, T0 + 1_000).rollout.canary?.weight).toBe(100);
  });

  it("promote while stepping skips the current step; promote --full goes to 100% at once", () => {
    const r = run(
      canary(
        [
          { kind: "setWeight", weight: 10 },
          { kind: "pause", durationMs: 60_000 },
          { kind: "setWeight", weight: 50 },
        ],
        {
          phase: "starting",
        },
      ),
      T0,
    ).rollout;
    const skip = promoteDecision(r, { actor: "bob" }, T0 + 10);
    expect(skip).toMatchObject({
      ok: true,
      transition: { kind: "advance", patch: { canary: { stepIndex: 2 } } },
    });
    const full = promoteDecision(r, { actor: "bob", full: true, reason: "hotfix" }, T0 + 10);
    expect(full).toMatchObject({
      ok: true,
      transition: {
        kind: "promote",
        traffic: { kind: "switch", to: V2.id },
        patch: { phase: "warm", outcome: "promoted", canary: { weight: 100 } },
        event: { message: `promoted ${V2.id} in full by bob: hotfix; ${V1.id} stays warm` },
      },
    });
  });

  it("abort sends traffic back to the stable revision; a decided rollout cannot be aborted", () => {
    const r = run(
      canary(
        [
          { kind: "setWeight", weight: 30 },
          { kind: "pause", manual: true },
        ],
        { phase: "starting" },
      ),
      T0,
    ).rollout;
    const aborted = abortDecision(r, { actor: "carol", reason: "checkout errors" }, T0 + 5);
    expect(aborted).toMatchObject({
      ok: true,
      transition: {
        kind: "rollback",
        traffic: { kind: "switch", to: V1.id, drop: V2.id },
        patch: {
          phase: "draining",
          outcome: "rolled-back",
          reason: "aborted by carol: checkout errors",
          canary: { weight: 0 },
        },
      },
    });
    expect(abortDecision({ ...r, phase: "promoted" }, { actor: "carol", reason: "x" }, T0)).toEqual({
      ok: false,
      message: "rollout r-1 is promoted: nothing to abort",
    });
    expect(promoteDecision({ ...r, phase: "starting" }, { actor: "carol" }, T0)).toMatchObject({ ok: false });
  });

  it("the rollback triggers keep applying while a canary steps", () => {
    const r = run(
      canary(
        [
          { kind: "setWeight", weight: 10 },
          { kind: "pause", manual: true },
        ],
        { phase: "starting" },
      ),
      T0,
    ).rollout;
    const crashed = nextAction(
      r,
      obs({ candidate: { ...healthy, restarts: 1, lastError: "exit 1" } }),
      T0 + 100,
    );
    expect(crashed).toMatchObject({
      kind: "rollback",
      patch: { reason: "candidate instance crashed after the switch (exit 1)" },
    });
  });
});

describe("canary: analysis", () => {
  const analysisStep: CanaryStep = {
    kind: "analysis",
    metrics: [metric("errors", { intervalMs: 1_000, count: 2 })],
  };
  const steps: CanaryStep[] = [
    { kind: "setWeight", weight: 10 },
    analysisStep,
    { kind: "setWeight", weight: 50 },
  ];

  it("an analysis step waits for its run: all successful → next step", () => {
    let r = run(canary(steps, { phase: "starting" }), T0).rollout;
    expect(r.analysis).toHaveLength(1);
    expect(r.analysis?.[0]).toMatchObject({ id: "r-1/a1", step: 1, startedAt: T0 });
    expect(nextAction(r, obs(), T0).kind).toBe("analyse");
    r = measureAll(r, T0, ok);
    expect(nextAction(r, obs(), T0 + 500).kind).toBe("analyse");
    r = measureAll(r, T0 + 1_000, ok);
    const step = run(r, T0 + 1_000);
    expect(step.taken.map((t) => t.kind)).toEqual(["advance", "set-weight", "promote"]);
    expect(step.taken[0]?.event.message).toMatch(
      /^step 2\/3: analysis passed: errors: 2 of 2 measurements successful/,
    );
    expect(step.rollout.analysis?.[0]).toMatchObject({
      finishedAt: T0 + 1_000,
      outcome: { decision: "continue" },
    });
  });

  it("an inconclusive analysis step pauses for a human; promote goes past it", () => {
    let r = run(canary(steps, { phase: "starting" }), T0).rollout;
    r = measureAll(r, T0, unsure);
    const step = run(r, T0 + 10);
    r = step.rollout;
    expect(r.phase).toBe("paused");
    expect(r.canary?.paused).toMatchObject({ by: "analysis" });
    expect(r.canary?.paused?.reason).toMatch(/^step 2\/3: analysis inconclusive: errors: 1 inconclusive/);
    const resumed = promoteDecision(r, { actor: "bob" }, T0 + 20);
    expect(resumed).toMatchObject({
      ok: true,
      transition: { patch: { phase: "stepping", canary: { stepIndex: 2 } } },
    });
  });

  it("a failed analysis step rolls back with the run's one-line explanation", () => {
    let r = run(canary(steps, { phase: "starting" }), T0).rollout;
    r = measureAll(r, T0, bad);
    const action = nextAction(r, obs(), T0 + 10);
    expect(action).toMatchObject({
      kind: "rollback",
      traffic: { kind: "switch", to: V1.id, drop: V2.id },
      patch: {
        outcome: "rolled-back",
        reason: "errors: 1 failed measurement(s) (limit 0); last: errors: canary 20.0% above max 5% → fail",
      },
    });
    const record = (action as Transition).patch.analysis?.[0];
    expect(record).toMatchObject({ outcome: { decision: "abort", phase: "failed" } });
  });

  it("the background analysis starts with the first traffic and aborts at once on a failed metric", () => {
    const bg = metric("error rate", { intervalMs: 1_000, onInconclusive: "wait", inconclusiveLimit: 1e9 });
    let r = canary(
      [
        { kind: "pause", durationMs: 1_000 },
        { kind: "setWeight", weight: 10 },
        { kind: "pause", manual: true },
      ],
      {
        phase: "starting",
        settings: { ...canary([]).settings, metrics: [bg] },
      },
    );
    r = run(r, T0).rollout;
    expect(r.analysis ?? []).toEqual([]); // weight 0: nothing to measure yet
    r = run(r, T0 + 1_000).rollout;
    expect(r.phase).toBe("paused");
    expect(r.analysis).toMatchObject([
      { id: "r-1/a1", startedAt: T0 + 1_000, metrics: [{ name: "error rate" }] },
    ]);
    expect(r.analysis?.[0]?.step).toBeUndefined();
    // Inconclusive measurements (too little traffic) never pause under "wait": the canary goes on.
    r = measureAll(r, T0 + 1_000, unsure);
    expect(nextAction(r, obs(), T0 + 1_100).kind).toBe("wait");
    r = measureAll(r, T0 + 2_000, bad);
    expect(nextAction(r, obs(), T0 + 2_000)).toMatchObject({
      kind: "rollback",
      patch: { reason: expect.stringMatching(/^error rate: 1 failed measurement/) as unknown },
    });
  });

  it("promote --full ends every running analysis (skipped, not failed)", () => {
    let r = run(canary(steps, { phase: "starting" }), T0).rollout;
    r = measureAll(r, T0, ok);
    const full = promoteDecision(r, { actor: "bob", full: true }, T0 + 10);
    if (!full.ok) throw new Error(full.message);
    expect(full.transition.patch.analysis?.[0]).toMatchObject({
      finishedAt: T0 + 10,
      outcome: { decision: "continue" },
      metrics: [{ state: { phase: "successful", message: "terminated (promoted) after 1 successful of 1" } }],
    });
  });
});

describe("canary traffic", () => {
  it("set-weight gives the canary its share, the stable revision the rest, everyone else 0", () => {
    const before = [
      { revision: V1.id, weight: 100 },
      { revision: "web/production@v0", weight: 0 },
      { revision: V2.id, weight: 0 },
    ];
    const after = applyTrafficChange(before, {
      kind: "set-weight",
      canary: V2.id,
      stable: V1.id,
      weight: 30,
    });
    expect(after).toEqual([
      { revision: V1.id, weight: 70 },
      { revision: "web/production@v0", weight: 0 },
      { revision: V2.id, weight: 30 },
    ]);
    expect(liveRevision(after)).toBe(V1.id);
    expect(
      liveRevision(
        applyTrafficChange(after, { kind: "set-weight", canary: V2.id, stable: V1.id, weight: 80 }),
      ),
    ).toBe(V2.id);
  });
});

describe("approval holds", () => {
  const held = (over: Partial<Rollout> = {}) =>
    canary([{ kind: "setWeight", weight: 10 }], {
      phase: "awaiting-approval",
      approval: requestApproval({
        environment: "production",
        requestedBy: "alice",
        now: T0,
        ttlMs: 60_000,
        approvers: [],
      }),
      ...over,
    });

  it("waits, and starts nothing, until approved", () => {
    expect(nextAction(held(), obs(), T0 + 1_000)).toEqual({
      kind: "wait",
      reason: "waiting for approval (expires in 59s)",
    });
    const vote = voteOn(held(), { id: "u-bob", name: "bob" }, "approve", T0 + 1_000, "ship it");
    expect(vote).toMatchObject({
      ok: true,
      transition: {
        kind: "approval",
        patch: {
          phase: "pending",
          approval: { votes: [{ by: "u-bob", byName: "bob", verdict: "approve", comment: "ship it" }] },
        },
        event: { type: "rollout.approved", message: `${V2.id} approved by bob ("ship it")` },
      },
    });
  });

  it("a rejection or expiry fails the rollout with the reason", () => {
    expect(voteOn(held(), { id: "u-bob", name: "bob" }, "reject", T0 + 1, "not on a Friday")).toMatchObject({
      ok: true,
      transition: {
        patch: { phase: "failed", outcome: "failed", reason: "rejected by bob: not on a Friday" },
      },
    });
    expect(nextAction(held(), obs(), T0 + 60_000)).toMatchObject({
      kind: "approval",
      patch: { phase: "failed", outcome: "failed", reason: "approval expired: nobody approved within 1m" },
      event: { type: "rollout.approval-expired" },
    });
  });

  it("the requester cannot approve their own rollout; only listed approvers may; wrong phase is a conflict", () => {
    expect(voteOn(held(), { id: "u-alice", name: "alice" }, "approve", T0)).toMatchObject({
      ok: false,
      code: "SLIPWAY_FORBIDDEN",
    });
    const listed = held({
      approval: requestApproval({
        environment: "production",
        requestedBy: "alice",
        now: T0,
        ttlMs: 1_000,
        approvers: ["carol"],
      }),
    });
    expect(voteOn(listed, { id: "u-bob", name: "bob" }, "approve", T0)).toEqual({
      ok: false,
      code: "SLIPWAY_FORBIDDEN",
      message: "only carol may approve deploys to production",
    });
    expect(voteOn(listed, { id: "u-bob", name: "bob" }, "approve", T0 + 1_000)).toMatchObject({
      ok: false,
      code: "SLIPWAY_CONFLICT",
      message: "the approval of rollout r-1 is already expired",
    });
    expect(voteOn(held({ phase: "stepping" }), { id: "u-bob", name: "bob" }, "approve", T0)).toMatchObject({
      ok: false,
      code: "SLIPWAY_CONFLICT",
    });
  });

  it("a held rollout that is superseded or aborted just ends: nothing was started", () => {
    const aborted = abortDecision(held(), { actor: "alice", reason: "wrong version" }, T0 + 5);
    expect(aborted).toMatchObject({
      ok: true,
      transition: { kind: "done", patch: { phase: "failed", reason: "aborted by alice: wrong version" } },
    });
    expect((aborted as { transition: Transition }).transition.traffic).toBeUndefined();
  });
});

describe("canary: waiting for data, and promote after an exhausted analysis (issue 11, failure 5)", () => {
  const waiting = (at: number): Measurement => ({
    phase: "waiting",
    startedAt: at,
    finishedAt: at,
    explanation: "errors: waiting for 50 requests on the canary (0 so far)",
  });
  const steps: CanaryStep[] = [
    { kind: "setWeight", weight: 20 },
    { kind: "pause", manual: true },
    { kind: "setWeight", weight: 50 },
    { kind: "pause", manual: true },
  ];
  const background = (run: Partial<MetricDefinition["run"]> = {}) =>
    canary(steps, {
      phase: "starting",
      settings: {
        ...resolveSettings(),
        metrics: [metric("errors", { onInconclusive: "wait", inconclusiveLimit: 10, ...run })],
      },
    });

  it("waiting measurements without traffic never use up the limit: the run keeps measuring", () => {
    let r = run(background(), T0).rollout;
    expect(r.phase).toBe("paused");
    let at = T0;
    for (let i = 0; i < 30; i++) {
      at += 5_000;
      r = measureAll(r, at, waiting);
    }
    const state = r.analysis?.[0]?.metrics[0]?.state;
    expect(state).toMatchObject({ phase: "running", inconclusive: 0, taken: 0, waitingSince: T0 + 5_000 });
    expect(state?.message).toBe("errors: waiting for 50 requests on the canary (0 so far)");
    // One entry for the whole wait, not thirty.
    expect(state?.measurements).toHaveLength(1);
    // Traffic arrives: the analysis still measures and decides.
    r = measureAll(r, at + 5_000, ok);
    expect(r.analysis?.[0]?.metrics[0]?.state.phase).toBe("successful");
  });

  it("a background run exhausted while paused at a manual step is recorded, and promote moves the step", () => {
    let r = run(background(), T0).rollout;
    for (let i = 0; i < 11; i++) r = measureAll(r, T0 + i, unsure);
    expect(r.analysis?.[0]?.metrics[0]?.state.phase).toBe("inconclusive");
    // Paused by the step: the ended run is recorded, not left "running".
    r = run(r, T0 + 20).rollout;
    expect(r.analysis?.[0]).toMatchObject({ finishedAt: T0 + 20, outcome: { decision: "pause" } });
    expect(r.phase).toBe("paused");
    const promoted = promoteDecision(r, { actor: "bob" }, T0 + 30);
    if (!promoted.ok) throw new Error(promoted.message);
    r = apply(r, promoted.transition);
    expect(r.analysis).toHaveLength(2);
    expect(r.analysis?.[1]).toMatchObject({ id: "r-1/a2", startedAt: T0 + 30 });
    expect(r.analysis?.[1]?.finishedAt).toBeUndefined();
    // The next step is applied: the weight matches the step shown.
    const next = run(r, T0 + 40);
    expect(next.taken.map((t) => t.kind)).toEqual(["set-weight", "pause"]);
    expect(next.rollout.canary).toMatchObject({ weight: 50, stepIndex: 3 });
    expect(next.rollout.canary?.paused?.by).toBe("step");
  });

  it("an exhausted run that paused the rollout restarts on promote, and the pending step is applied", () => {
    let r = run(
      canary(
        [
          { kind: "setWeight", weight: 20 },
          { kind: "pause", durationMs: 1_000 },
          { kind: "setWeight", weight: 50 },
          { kind: "pause", manual: true },
        ],
        {
          phase: "starting",
          settings: {
            ...resolveSettings(),
            metrics: [metric("errors", { onInconclusive: "wait", inconclusiveLimit: 0 })],
          },
        },
      ),
      T0,
    ).rollout;
    r = measureAll(r, T0, unsure);
    r = run(r, T0 + 10).rollout;
    expect(r.phase).toBe("paused");
    expect(r.canary).toMatchObject({ weight: 20, stepIndex: 1, paused: { by: "analysis" } });
    const promoted = promoteDecision(r, { actor: "bob" }, T0 + 20);
    if (!promoted.ok) throw new Error(promoted.message);
    r = apply(r, promoted.transition);
    expect(r.analysis?.map((a) => a.outcome?.decision)).toEqual(["pause", undefined]);
    const next = run(r, T0 + 2_000);
    expect(next.taken.map((t) => t.kind)).toEqual(["advance", "set-weight", "pause"]);
    expect(next.rollout.canary?.weight).toBe(50);
  });

  it("a wait longer than maxWait counts as inconclusive and the policy decides", () => {
    let r = run(background({ onInconclusive: "pause", inconclusiveLimit: 0, maxWaitMs: 60_000 }), T0).rollout;
    r = measureAll(r, T0, waiting);
    r = measureAll(r, T0 + 30_000, waiting);
    expect(r.analysis?.[0]?.metrics[0]?.state.phase).toBe("running");
    r = measureAll(r, T0 + 60_000, waiting);
    const state = r.analysis?.[0]?.metrics[0]?.state;
    expect(state?.phase).toBe("inconclusive");
    expect(state?.message).toMatch(/still waiting after 60 s \(maxWait 60 s\) → inconclusive/);
  });
});
