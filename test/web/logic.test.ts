/** The dashboard's pure parts: chart series, step timeline, job graph columns, offered actions. */
import { describe, expect, it } from "vitest";
import { availableActions } from "../../web/src/actions.js";
import { metricBadge } from "../../web/src/analysis.js";
import { jobColumns } from "../../web/src/graph.js";
import { finalSplit } from "../../web/src/final-split.js";
import { can } from "../../web/src/permissions.js";
import { fitRange, historyLines, metricChart, rateOf, seriesOf } from "../../web/src/series.js";
import { timelineOf } from "../../web/src/timeline.js";
import type { Rollout, RunJob } from "../../web/src/types.js";

const measurement = (at: number, numbers: Record<string, number | string | null>, phase = "successful") => ({
  phase: phase as "successful",
  startedAt: at - 10,
  finishedAt: at,
  explanation: `m at ${at}`,
  numbers,
});

const rollout = (over: Partial<Rollout>): Rollout => ({
  id: "r-1",
  service: "web",
  environment: "production",
  kind: "deploy",
  strategy: "blue-green",
  candidate: { id: "web/production@v2", version: "v2" },
  stable: { id: "web/production@v1", version: "v1" },
  phase: "analysing",
  phaseSince: 0,
  createdAt: 0,
  actor: "alice",
  ...over,
});

describe("seriesOf", () => {
  it("charts the judge's canary and stable values, whichever names the judge uses", () => {
    const points = seriesOf({
      measurements: [
        measurement(1, { canary: 120, stable: 100 }),
        measurement(2, { canaryRate: 0.02, stableRate: 0.01 }, "failed"),
        measurement(3, { canaryMedian: 90, stableMedian: null }),
        measurement(4, { value: 7 }),
        measurement(5, {}),
      ],
    });
    expect(points.map((p) => [p.at, p.canary, p.stable, p.phase])).toEqual([
      [1, 120, 100, "successful"],
      [2, 0.02, 0.01, "failed"],
      [3, 90, null, "successful"],
      [4, 7, null, "successful"],
      [5, null, null, "successful"],
    ]);
  });

  it("fits the y range to the data with a little headroom, never below 0 for non-negative data", () => {
    expect(fitRange([20, 24], "ms")).toEqual([19.6, 24.4]);
    expect(fitRange([0.01, 0.05], "ratio").map((v) => Number(v.toFixed(3)))).toEqual([0.006, 0.054]);
    expect(fitRange([1, 100])).toEqual([0, 109.9]);
    expect(fitRange([])).toEqual([0, 1]);
    // A flat series gets a small span: a 0 % error rate is not drawn on 0-100 %.
    expect(fitRange([0, 0], "ratio")).toEqual([0, 0.01]);
    expect(fitRange([50, 50])).toEqual([45, 55]);
  });

  it("draws thresholds as lines, names only drawn lines, and keeps verdict words out of the dots", () => {
    const threshold = seriesOf({
      measurements: [
        measurement(1, { canary: 0.01, stable: null, max: 0.05, min: null }),
        measurement(2, { canary: 0.02, stable: null, max: 0.05, min: null }, "failed"),
      ],
    });
    const chart = metricChart(threshold, (v) => `${v * 100}%`);
    const drawn = chart.lines.filter((l) => l.points.length > 0);
    expect(drawn.map((l) => [l.label, l.kind, l.points.map((p) => p.value)])).toEqual([
      ["candidate", "canary", [0.01, 0.02]],
      ["threshold (max 5%)", "threshold", [0.05, 0.05]],
    ]);
    expect(chart.dots.map((d) => d.label)).toEqual(["successful: 1%", "failed: 2%"]);
    // A ratio judge's bound follows the stable value.
    const ratio = metricChart(
      seriesOf({ measurements: [measurement(1, { canary: 30, stable: 20, maxRatio: 3 })] }),
      String,
    );
    expect(ratio.lines.find((l) => l.kind === "threshold")?.points).toEqual([{ at: 1, value: 60 }]);
  });
});

describe("rollout history", () => {
  const point = (at: number, candidate: number, stable: number | null, rps: number | null) => ({
    at,
    weights: { candidate, stable },
    candidate: rps === null ? null : { rps, errorRate: 0, p95Ms: 25 },
    stable: null,
  });

  it("charts each side of the rollout's own points, leaving out what the proxy did not see", () => {
    const points = [point(1, 0, 100, null), point(2, 20, 80, 3.5), point(3, 50, 50, 4)];
    const lines = historyLines(points, { candidate: "v2", stable: "v1" }, rateOf("rps"));
    expect(lines.map((l) => [l.label, l.points.map((p) => p.value)])).toEqual([
      ["v2", [3.5, 4]],
      ["v1", []],
    ]);
  });

  it("shows the weights a rollout ended with, else what its outcome implies", () => {
    const r = rollout({ phase: "promoted", outcome: "promoted" });
    expect(finalSplit(r, [point(1, 20, 80, 1), point(2, 100, 0, 1)])).toEqual([
      { id: "web/production@v2", version: "v2", weight: 100, instances: [] },
    ]);
    expect(finalSplit({ ...r, phase: "rolled-back", outcome: "rolled-back" }, [])).toEqual([
      { id: "web/production@v1", version: "v1", weight: 100, instances: [] },
    ]);
    expect(finalSplit({ ...r, phase: "superseded", outcome: "superseded" }, [])).toBeUndefined();
  });
});

describe("can", () => {
  it("follows the server's action rules: a viewer reads, but not dead letters", () => {
    const as = (role: "viewer" | "deployer" | "admin") => ({ user: { id: "u", name: "u", role } });
    expect(can(as("viewer"), "read")).toBe(true);
    expect(can(as("viewer"), "read-dead-letters")).toBe(false);
    expect(can(as("viewer"), "promote")).toBe(false);
    expect(can(as("deployer"), "read-dead-letters")).toBe(true);
    expect(can(as("deployer"), "manage-users")).toBe(false);
    expect(can({ ...as("viewer"), open: true }, "manage-users")).toBe(true);
  });
});

describe("timelineOf", () => {
  it("marks blue-green phases done, current and upcoming, without smoke when none is configured", () => {
    const items = timelineOf(rollout({ phase: "analysing" }));
    expect(items.map((i) => `${i.label}:${i.state}`)).toEqual([
      "pending:done",
      "starting:done",
      "analysing:current",
      "warm:upcoming",
      "draining:upcoming",
      "stopping:upcoming",
      "promoted:upcoming",
    ]);
  });

  it("shows a rolled-back blue-green rollout as failed at its end", () => {
    const items = timelineOf(rollout({ phase: "rolled-back", outcome: "rolled-back" }));
    expect(items.at(-1)).toEqual({ label: "rolled-back", state: "failed" });
  });

  it("lists canary steps with the one in effect and why it is paused", () => {
    const items = timelineOf(
      rollout({
        strategy: "canary",
        phase: "paused",
        canary: {
          steps: [
            { kind: "setWeight", weight: 10 },
            { kind: "pause", durationMs: 30_000 },
            { kind: "analysis", metrics: [{ name: "error-rate" }] },
            { kind: "pause", manual: true },
          ],
          stepIndex: 3,
          weight: 10,
          stepSince: 0,
          paused: { since: 0, reason: "manual step", by: "step" },
        },
      }),
    );
    expect(items.map((i) => `${i.label}:${i.state}`)).toEqual([
      "set weight 10%:done",
      "pause 30s:done",
      "analysis: error-rate:done",
      "pause until promoted:current",
      "promote:upcoming",
    ]);
    expect(items[3]?.note).toBe("paused: manual step");
  });

  it("says when the step in effect is a weight not applied yet (paused just before it)", () => {
    const items = timelineOf(
      rollout({
        strategy: "canary",
        phase: "paused",
        canary: {
          steps: [
            { kind: "setWeight", weight: 20 },
            { kind: "setWeight", weight: 50 },
          ],
          stepIndex: 1,
          weight: 20,
          stepSince: 0,
          paused: { since: 0, reason: "background analysis inconclusive", by: "analysis" },
        },
      }),
    );
    expect(items[1]).toEqual({
      label: "set weight 50%",
      state: "current",
      note: "not applied yet, weight stays 20%; paused: background analysis inconclusive",
    });
  });
});

describe("metricBadge", () => {
  it("shows a run waiting for data as waiting, not running", () => {
    expect(metricBadge({ phase: "running", waitingSince: 1 })).toBe("waiting");
    expect(metricBadge({ phase: "running" })).toBe("running");
    expect(metricBadge({ phase: "inconclusive" })).toBe("inconclusive");
  });
});

describe("jobColumns", () => {
  const job = (id: string, needs: string[] = [], key = id): RunJob => ({
    id,
    key,
    name: key,
    needs,
    status: "completed",
    conclusion: "success",
    startedAt: null,
    durationMs: null,
  });

  it("puts each job one column right of the deepest job it needs; matrix jobs share a column", () => {
    const columns = jobColumns([
      job("deploy", ["test", "lint"]),
      job("build"),
      job("test", ["build"], "test (20)"),
      job("test", ["build"], "test (22)"),
      job("lint"),
    ]);
    expect(columns.map((c) => c.map((j) => j.key))).toEqual([
      ["build", "lint"],
      ["test (20)", "test (22)"],
      ["deploy"],
    ]);
  });

  it("survives a cycle without looping", () => {
    expect(jobColumns([job("a", ["b"]), job("b", ["a"])]).flat()).toHaveLength(2);
  });
});

describe("availableActions", () => {
  const deployer = { id: "u-2", name: "bob", role: "deployer" };

  it("offers nothing to viewers", () => {
    expect(
      availableActions(rollout({ phase: "analysing" }), { id: "v", name: "vera", role: "viewer" }, true),
    ).toEqual([]);
  });

  it("offers abort while deciding, promote on canary steps, rollback once promoted and latest", () => {
    expect(availableActions(rollout({ phase: "analysing" }), deployer, true)).toEqual(["abort"]);
    expect(availableActions(rollout({ strategy: "canary", phase: "paused" }), deployer, true)).toEqual([
      "promote",
      "promote-full",
      "abort",
    ]);
    expect(availableActions(rollout({ phase: "promoted", outcome: "promoted" }), deployer, true)).toEqual([
      "rollback",
    ]);
    expect(availableActions(rollout({ phase: "warm", outcome: "promoted" }), deployer, true)).toEqual([
      "rollback",
    ]);
    expect(availableActions(rollout({ phase: "promoted", outcome: "promoted" }), deployer, false)).toEqual(
      [],
    );
    expect(availableActions(rollout({ phase: "warm", outcome: "rolled-back" }), deployer, true)).toEqual([]);
  });

  it("offers approve and reject to others than the requester", () => {
    const waiting = rollout({ phase: "awaiting-approval", actor: "alice" });
    expect(availableActions(waiting, deployer, true)).toEqual(["approve", "reject", "abort"]);
    expect(availableActions(waiting, { id: "u-1", name: "alice", role: "deployer" }, true)).toEqual([
      "abort",
    ]);
  });
});
