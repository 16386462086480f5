import { describe, expect, it } from "vitest";
import type { JobResult } from "../../core/workflow/model.js";
import { jobIdOfKey, jobViews } from "./run-view.js";

const graph = [
  { id: "build", name: "Build", needs: [] },
  { id: "test", name: "test", needs: ["build"] },
  { id: "deploy", name: "deploy", needs: ["build", "test"] },
];
const result = (key: string, conclusion: JobResult["conclusion"]): JobResult => ({
  id: jobIdOfKey(key),
  key,
  name: key,
  matrix: null,
  conclusion,
  outputs: {},
  steps: [],
  durationMs: 5,
});

describe("jobViews", () => {
  it("shows finished, running and pending jobs with their needs, in graph order", () => {
    const live = {
      started: new Map([
        ["build", { name: "Build", startedAt: "t0" }],
        ["test (20)", { name: "test (20)", startedAt: "t1" }],
      ]),
      finished: new Map([["build", result("build", "success")]]),
    };
    expect(
      jobViews(graph, [], live).map((j) => [j.key, j.status, j.conclusion, j.needs.join("+"), j.startedAt]),
    ).toEqual([
      ["build", "completed", "success", "", "t0"],
      ["test (20)", "running", null, "build", "t1"],
      ["deploy", "pending", null, "build+test", null],
    ]);
  });

  it("reads a finished run from its result and the recorded start times", () => {
    const views = jobViews(graph, [result("deploy", "skipped"), result("build", "failure")], undefined, {
      build: "t0",
    });
    expect(views.map((j) => [j.key, j.conclusion, j.startedAt, j.durationMs])).toEqual([
      ["build", "failure", "t0", 5],
      ["deploy", "skipped", null, 5],
    ]);
  });

  it("gives each job its steps: from the result once it ended, from the engine's events while it runs", () => {
    const built: JobResult = {
      ...result("build", "failure"),
      steps: [
        { name: "Compile", outcome: "success", conclusion: "success", durationMs: 40, startedAt: "t0" },
        { name: "Lint", outcome: "failure", conclusion: "failure", durationMs: 9 }, // recorded before start times
      ],
    };
    const running = {
      name: "Test",
      status: "running" as const,
      conclusion: null,
      startedAt: "t2",
      durationMs: null,
    };
    const live = {
      started: new Map([["test (20)", { name: "test (20)", startedAt: "t1" }]]),
      finished: new Map([["build", built]]),
      steps: new Map([["test (20)", [running]]]),
    };
    const views = jobViews(graph, [], live);
    expect(views.map((j) => [j.key, j.steps])).toEqual([
      [
        "build",
        [
          { name: "Compile", status: "completed", conclusion: "success", startedAt: "t0", durationMs: 40 },
          { name: "Lint", status: "completed", conclusion: "failure", startedAt: null, durationMs: 9 },
        ],
      ],
      ["test (20)", [running]],
      ["deploy", undefined],
    ]);
  });
});

describe("jobIdOfKey", () => {
  it("strips matrix values and reusable-workflow children", () => {
    expect(jobIdOfKey("build (20, linux)")).toBe("build");
    expect(jobIdOfKey("call / test (1)")).toBe("call");
  });
});
