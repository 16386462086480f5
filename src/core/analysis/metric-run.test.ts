import { describe, expect, it } from "vitest";
import {
  analysisOutcome,
  measurementDue,
  measurementFromError,
  recordMeasurement,
  startMetricRun,
  terminateMetricRun,
  type Measurement,
  type MeasurementPhase,
  type MetricRunSpec,
  type MetricRunState,
} from "./metric-run.js";

const T0 = 1_700_000_000_000;

/** Feed phases one interval apart and return the state after each. */
function run(spec: MetricRunSpec, phases: MeasurementPhase[]): MetricRunState[] {
  let state = startMetricRun(spec, T0);
  const states: MetricRunState[] = [];
  phases.forEach((phase, i) => {
    const at = T0 + (spec.initialDelayMs ?? 0) + i * (spec.intervalMs ?? 0);
    const m: Measurement = { phase, startedAt: at, finishedAt: at + 10, explanation: `m${i} ${phase}` };
    state = recordMeasurement(spec, state, m);
    states.push(state);
  });
  return states;
}

const last = <T>(xs: T[]): T => xs[xs.length - 1] as T;

describe("metric run (Argo semantics)", () => {
  it("one measurement without interval or count", () => {
    const s = run({ name: "smoke" }, ["successful"]);
    expect(last(s).phase).toBe("successful");
    expect(last(s).nextMeasurementAt).toBeUndefined();
  });

  it("schedules measurements interval apart after the initial delay", () => {
    const spec = { name: "err", intervalMs: 5000, count: 3, initialDelayMs: 2000 };
    const start = startMetricRun(spec, T0);
    expect(start.nextMeasurementAt).toBe(T0 + 2000);
    expect(measurementDue(start, T0 + 1999)).toBe(false);
    expect(measurementDue(start, T0 + 2000)).toBe(true);
    const s = run(spec, ["successful", "successful", "successful"]);
    expect(s[0]?.nextMeasurementAt).toBe(T0 + 2000 + 10 + 5000);
    expect(s.map((x) => x.phase)).toEqual(["running", "running", "successful"]);
    expect(last(s).message).toBe("3 of 3 measurements successful; last: m2 successful");
  });

  it("fails as soon as failures exceed failureLimit, without waiting for count", () => {
    const s = run({ name: "err", intervalMs: 1000, count: 10, failureLimit: 1 }, [
      "failed",
      "successful",
      "failed",
    ]);
    expect(s.map((x) => x.phase)).toEqual(["running", "running", "failed"]);
    expect(last(s).message).toBe("2 failed measurement(s) (limit 1); last: m2 failed");
  });

  it("failureLimit -1 never fails on failures", () => {
    const s = run({ name: "err", intervalMs: 1000, count: 3, failureLimit: -1 }, [
      "failed",
      "failed",
      "successful",
    ]);
    expect(last(s).phase).toBe("successful");
  });

  it("errors past consecutiveErrorLimit (default 4) end the run in error; a success resets the streak", () => {
    const s = run({ name: "prom", intervalMs: 1000 }, [
      "error",
      "error",
      "error",
      "error",
      "successful",
      "error",
      "error",
      "error",
      "error",
      "error",
    ]);
    expect(s[3]?.phase).toBe("running");
    expect(s[8]?.phase).toBe("running");
    expect(last(s).phase).toBe("error");
    expect(last(s).message).toMatch(/^5 consecutive errors \(limit 4\)/);
    expect(last(s).errors).toBe(9);
  });

  it("inconclusive pauses by default", () => {
    const s = run({ name: "lat", intervalMs: 1000, count: 5 }, ["successful", "inconclusive"]);
    expect(last(s).phase).toBe("inconclusive");
    expect(last(s).message).toBe(
      "1 inconclusive measurement(s) (limit 0), pausing for a human; last: m1 inconclusive",
    );
  });

  it("inconclusive with policy fail fails", () => {
    const s = run({ name: "lat", intervalMs: 1000, count: 5, onInconclusive: "fail" }, ["inconclusive"]);
    expect(last(s).phase).toBe("failed");
    expect(last(s).message).toContain("failing as configured");
  });

  it("inconclusive with policy wait retries without using up count, then pauses past the limit", () => {
    const spec: MetricRunSpec = {
      name: "lat",
      intervalMs: 1000,
      count: 2,
      onInconclusive: "wait",
      inconclusiveLimit: 2,
    };
    const s = run(spec, ["inconclusive", "inconclusive", "successful", "successful"]);
    expect(s.map((x) => x.phase)).toEqual(["running", "running", "running", "successful"]);
    expect(last(s).taken).toBe(2);
    const stuck = run(spec, ["inconclusive", "inconclusive", "inconclusive"]);
    expect(last(stuck).phase).toBe("inconclusive");
  });

  it("consecutiveSuccessLimit not met at count is inconclusive", () => {
    const s = run({ name: "x", intervalMs: 1000, count: 3, failureLimit: 1, consecutiveSuccessLimit: 2 }, [
      "successful",
      "successful",
      "failed",
    ]);
    expect(last(s).phase).toBe("inconclusive");
    expect(last(s).message).toBe("0 consecutive successes at the end, 2 needed");
  });

  it("reaching count with only tolerated inconclusives is never a silent pass", () => {
    const s = run({ name: "x", intervalMs: 1000, count: 2, inconclusiveLimit: 5 }, [
      "inconclusive",
      "inconclusive",
    ]);
    expect(last(s).phase).toBe("inconclusive");
    expect(last(s).message).toMatch(/^no successful measurement in 2/);
  });

  it("keeps only the last measurements (retention)", () => {
    const s = run({ name: "x", intervalMs: 1000, measurementRetention: 2 }, [
      "successful",
      "successful",
      "successful",
    ]);
    expect(last(s).measurements.map((m) => m.explanation)).toEqual(["m1 successful", "m2 successful"]);
  });

  it("termination: successful after a success, inconclusive before any", () => {
    const spec = { name: "bg", intervalMs: 1000 };
    expect(terminateMetricRun(last(run(spec, ["successful"])), "promoted").phase).toBe("successful");
    const early = terminateMetricRun(startMetricRun(spec, T0), "promoted");
    expect(early.phase).toBe("inconclusive");
    expect(early.message).toBe("terminated (promoted) before any successful measurement");
  });

  it("refuses count > 1 without an interval", () => {
    expect(() => startMetricRun({ name: "x", count: 3 }, T0)).toThrow(/needs an interval/);
  });

  it("records provider errors with the metric name", () => {
    expect(measurementFromError("err", "Prometheus unreachable", 1, 2).explanation).toBe(
      "err: could not measure: Prometheus unreachable",
    );
  });
});

describe("analysis outcome", () => {
  const spec = (name: string, dryRun = false): MetricRunSpec => ({
    name,
    intervalMs: 1000,
    count: 1,
    dryRun,
  });
  const state = (name: string, phases: MeasurementPhase[]) => last(run(spec(name), phases));
  it("abort on any failure, pause on inconclusive, wait while running, continue when all pass", () => {
    expect(
      analysisOutcome([
        { spec: spec("a"), state: state("a", ["successful"]) },
        { spec: spec("b"), state: state("b", ["failed"]) },
      ]),
    ).toMatchObject({
      decision: "abort",
      phase: "failed",
      explanation: "b: 1 failed measurement(s) (limit 0); last: m0 failed",
    });
    expect(analysisOutcome([{ spec: spec("a"), state: state("a", ["inconclusive"]) }]).decision).toBe(
      "pause",
    );
    expect(analysisOutcome([{ spec: spec("a"), state: startMetricRun(spec("a"), T0) }]).decision).toBe(
      "wait",
    );
    expect(analysisOutcome([{ spec: spec("a"), state: state("a", ["successful"]) }]).decision).toBe(
      "continue",
    );
  });
  it("dry-run metrics are reported, never decide", () => {
    const o = analysisOutcome([
      { spec: spec("a"), state: state("a", ["successful"]) },
      { spec: spec("d", true), state: state("d", ["failed"]) },
    ]);
    expect(o.decision).toBe("continue");
    expect(o.dryRun).toEqual(["d (dry run): failed: 1 failed measurement(s) (limit 0); last: m0 failed"]);
  });
});

describe("waiting measurements (too few samples yet)", () => {
  const wait = (at: number, have = 0): Measurement => ({
    phase: "waiting",
    startedAt: at,
    finishedAt: at,
    explanation: `m: waiting for 50 requests on the canary (${have} so far)`,
  });

  it("count toward neither count nor inconclusiveLimit, and look again soon", () => {
    const spec: MetricRunSpec = { name: "m", intervalMs: 60_000, count: 1 };
    let state = startMetricRun(spec, T0);
    for (let i = 0; i < 20; i++) state = recordMeasurement(spec, state, wait(T0 + i * 5_000, i));
    expect(state).toMatchObject({ phase: "running", taken: 0, inconclusive: 0, waitingSince: T0 });
    expect(state.message).toBe("m: waiting for 50 requests on the canary (19 so far)");
    // Re-checked after 5 s, not after the 60 s interval.
    expect(state.nextMeasurementAt).toBe(T0 + 19 * 5_000 + 5_000);
    state = recordMeasurement(spec, state, { ...wait(T0 + 100_000), phase: "successful", explanation: "ok" });
    expect(state.phase).toBe("successful");
    expect(state.waitingSince).toBeUndefined();
  });

  it("wait at most at the metric's interval when that is shorter than 5 s", () => {
    const spec: MetricRunSpec = { name: "m", intervalMs: 1_000 };
    const state = recordMeasurement(spec, startMetricRun(spec, T0), wait(T0));
    expect(state.nextMeasurementAt).toBe(T0 + 1_000);
  });

  it("after maxWait a waiting measurement is inconclusive; a fresh wait starts a fresh clock", () => {
    const spec: MetricRunSpec = {
      name: "m",
      intervalMs: 1_000,
      onInconclusive: "wait",
      inconclusiveLimit: 5,
      maxWaitMs: 10_000,
    };
    let state = startMetricRun(spec, T0);
    state = recordMeasurement(spec, state, wait(T0));
    state = recordMeasurement(spec, state, wait(T0 + 9_999));
    expect(state.inconclusive).toBe(0);
    state = recordMeasurement(spec, state, wait(T0 + 10_000));
    expect(state).toMatchObject({ phase: "running", inconclusive: 1 });
    expect(state.waitingSince).toBeUndefined();
    state = recordMeasurement(spec, state, wait(T0 + 11_000));
    expect(state).toMatchObject({ inconclusive: 1, waitingSince: T0 + 11_000 });
  });

  it("a run terminated while still waiting is inconclusive, never a silent pass", () => {
    const spec: MetricRunSpec = { name: "m", intervalMs: 1_000 };
    const state = recordMeasurement(spec, startMetricRun(spec, T0), wait(T0));
    expect(terminateMetricRun(state, "promoted").phase).toBe("inconclusive");
  });
});
