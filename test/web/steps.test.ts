/** A job's log cut into step sections (web/src/steps.ts) and who is offered run buttons. */
import { describe, expect, it } from "vitest";
import { can } from "../../web/src/permissions.js";
import { stepSections } from "../../web/src/steps.js";
import type { RunLogLine, RunStep, Session } from "../../web/src/types.js";

const T0 = Date.parse("2026-12-06T10:00:00.000Z");
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();
const step = (name: string, at: number, over: Partial<RunStep> = {}): RunStep => ({
  name,
  status: "completed",
  conclusion: "success",
  startedAt: iso(at),
  durationMs: 1000,
  ...over,
});
const line = (stepName: string, at: number | undefined, text: string, level = "info"): RunLogLine => ({
  step: stepName,
  level,
  text,
  ...(at === undefined ? {} : { at: iso(at) }),
});
const shape = (sections: ReturnType<typeof stepSections>) =>
  sections.map((s) => [s.name, s.lines.map((l) => l.text), s.open]);

describe("stepSections", () => {
  it("puts each step's lines under it, set-up and completion where they fall, failed and running open", () => {
    const job = {
      status: "running",
      steps: [
        step("Run build", 1),
        step("Run test", 3, { conclusion: "failure" }),
        step("Run lint", 5, { conclusion: "skipped", durationMs: 0 }),
        step("Run deploy", 6, { status: "running", conclusion: null, durationMs: null }),
      ],
    };
    const lines = [
      line("Set up job", 0.5, "checking out"),
      line("Run build", 1.5, "built"),
      line("Run test", 3.5, "1 failed", "error"),
      line("Run deploy", 6.5, "deploying"),
      line("Run deploy", 6.6, "### ok", "summary"),
    ];
    expect(shape(stepSections(job, lines))).toEqual([
      ["Set up job", ["checking out"], false],
      ["Run build", ["built"], false],
      ["Run test", ["1 failed"], true],
      ["Run lint", [], false],
      ["Run deploy", ["deploying"], true],
    ]);
  });

  it("tells two steps of one name apart by the time of their lines", () => {
    const job = {
      status: "completed",
      steps: [step("Run echo hi", 1), step("Run make", 2), step("Run echo hi", 3)],
    };
    const lines = [
      line("Run echo hi", 1.1, "first"),
      line("Run make", 2.1, "make"),
      line("Run echo hi", 3.1, "second"),
      line("Complete job", 4, "cleaning up"),
    ];
    expect(shape(stepSections(job, lines))).toEqual([
      ["Run echo hi", ["first"], false],
      ["Run make", ["make"], false],
      ["Run echo hi", ["second"], false],
      ["Complete job", ["cleaning up"], false],
    ]);
  });

  it("reads lines without times (an older server) in order, and opens a set-up that logged an error", () => {
    const job = { status: "completed", steps: [step("Run a", 1), step("Run a", 2)] };
    const lines = [
      line("Set up job", undefined, "cannot check out", "error"),
      line("Run a", undefined, "one"),
      line("Run a", undefined, "two"),
    ];
    expect(shape(stepSections(job, lines))).toEqual([
      ["Set up job", ["cannot check out"], true],
      ["Run a", ["one", "two"], false],
      ["Run a", [], false],
    ]);
  });
});

describe("can", () => {
  const session = (role: "viewer" | "deployer" | "admin", open = false): Session => ({
    user: { id: "u", name: "u", role },
    csrfToken: "",
    ...(open ? { open } : {}),
  });
  it("offers run buttons to the roles the server's rules accept", () => {
    expect(can(session("viewer"), "trigger-run")).toBe(false);
    expect(can(session("viewer"), "cancel-run")).toBe(false);
    expect(can(session("deployer"), "trigger-run")).toBe(true);
    expect(can(session("admin"), "cancel-run")).toBe(true);
    expect(can(session("viewer", true), "cancel-run")).toBe(true);
  });
});
