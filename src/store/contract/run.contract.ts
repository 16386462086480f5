import { describe, expect, it } from "vitest";
import type { RunResult } from "../../core/workflow/model.js";
import type { RunStore } from "../ports/run-store.js";

const started = (workflowFile: string, startedAt = "2026-11-25T10:00:00.000Z") => ({
  workflow: workflowFile.replace(/\.ya?ml$/, ""),
  workflowFile,
  event: "push",
  ref: "refs/heads/main",
  sha: "b".repeat(40),
  startedAt,
});

const result = (runId: string, conclusion: RunResult["conclusion"], durationMs: number): RunResult => ({
  runId,
  workflow: "ci",
  workflowFile: "ci.yml",
  event: "push",
  ref: "refs/heads/main",
  sha: "b".repeat(40),
  conclusion,
  durationMs,
  startedAt: "2026-11-25T10:00:00.000Z",
  jobs: [],
});

/** One behaviour for every RunStore adapter: run ids and numbers, masked log lines, results. */
export function runStoreContract(adapter: string, makeStore: () => RunStore | Promise<RunStore>): void {
  describe(`RunStore contract: ${adapter}`, () => {
    it("numbers runs per workflow file and lists them newest first", async () => {
      const store = await makeStore();
      const a = await store.startRun(started("ci.yml"));
      const b = await store.startRun(started("deploy.yml"));
      const c = await store.startRun(started("ci.yml"));
      expect([a.runNumber, b.runNumber, c.runNumber]).toEqual([1, 1, 2]);
      expect(new Set([a.runId, b.runId, c.runId]).size).toBe(3);
      const listed = await store.listRuns();
      expect(listed.map((r) => r.runId)).toEqual([c.runId, b.runId, a.runId]);
      expect(listed[0]).toEqual({
        runId: c.runId,
        runNumber: 2,
        ...started("ci.yml"),
        status: "running",
        conclusion: null,
        durationMs: null,
      });
      expect((await store.listRuns(2)).map((r) => r.runId)).toEqual([c.runId, b.runId]);
      expect(await store.getRun(a.runId)).toMatchObject({ runNumber: 1, status: "running", result: null });
      expect(await store.getRun("987654")).toBeUndefined();
    });

    it("records a finished run's conclusion, duration and result document", async () => {
      const store = await makeStore();
      const { runId } = await store.startRun(started("ci.yml"));
      const finished = result(runId, "failure", 1234);
      await store.finishRun(finished);
      expect(await store.getRun(runId)).toMatchObject({
        status: "completed",
        conclusion: "failure",
        durationMs: 1234,
        result: finished,
      });
    });

    it("numbers concurrent runs distinctly and keeps every line of concurrent appends", async () => {
      const store = await makeStore();
      const runs = await Promise.all(Array.from({ length: 5 }, () => store.startRun(started("ci.yml"))));
      expect(runs.map((r) => r.runNumber).sort()).toEqual([1, 2, 3, 4, 5]);
      const runId = runs[0]?.runId ?? "";
      await Promise.all(
        ["a", "b", "c", "d"].map((job) =>
          store.appendLogs(runId, job, job, [
            { step: "s", level: "info", text: `${job}1` },
            { step: "s", level: "info", text: `${job}2` },
          ]),
        ),
      );
      const texts = (await store.getLogs(runId)).map((l) => l.text);
      expect([...texts].sort()).toEqual(["a1", "a2", "b1", "b2", "c1", "c2", "d1", "d2"]);
      // Each append's lines stay together and in order.
      for (const job of ["a", "b", "c", "d"])
        expect(texts.indexOf(`${job}2`)).toBe(texts.indexOf(`${job}1`) + 1);
    });

    it("keeps log lines in order across appends, by job id or job key", async () => {
      const store = await makeStore();
      const { runId } = await store.startRun(started("ci.yml"));
      const other = await store.startRun(started("ci.yml"));
      await store.appendLogs(runId, "test (1)", "test", [
        { step: "Run npm test", level: "info", text: "one" },
        { step: "Run npm test", level: "error", text: "two" },
      ]);
      await store.appendLogs(runId, "lint", "lint", [{ step: "Lint", level: "info", text: "three" }]);
      await store.appendLogs(runId, "test (2)", "test", [
        { step: "Run npm test", level: "info", text: "four" },
      ]);
      await store.appendLogs(other.runId, "lint", "lint", [
        { step: "Lint", level: "info", text: "elsewhere" },
      ]);
      await store.appendLogs(runId, "lint", "lint", []);
      expect((await store.getLogs(runId)).map((l) => l.text)).toEqual(["one", "two", "three", "four"]);
      expect((await store.getLogs(runId)).at(1)).toEqual({
        jobKey: "test (1)",
        jobId: "test",
        step: "Run npm test",
        level: "error",
        text: "two",
      });
      expect((await store.getLogs(runId, "test")).map((l) => l.text)).toEqual(["one", "two", "four"]);
      expect((await store.getLogs(runId, "test (2)")).map((l) => l.text)).toEqual(["four"]);
      expect(await store.getLogs(runId, "build")).toEqual([]);
    });

    it("keeps each log line's time, and reads lines stored without one as they were", async () => {
      const store = await makeStore();
      const { runId } = await store.startRun(started("ci.yml"));
      await store.appendLogs(runId, "build", "build", [
        { step: "Run make", level: "info", text: "compiling", at: 1_796_575_235_123 },
        { step: "Run make", level: "error", text: "a@b failed", at: 1_796_575_236_000 },
        { step: "Run make", level: "info", text: "no time" },
        { step: "Run make", level: "summary", text: "### done", at: 1_796_575_237_000 },
      ]);
      const lines = await store.getLogs(runId);
      expect(lines.map(({ level, text, at }) => ({ level, text, at }))).toEqual([
        { level: "info", text: "compiling", at: 1_796_575_235_123 },
        { level: "error", text: "a@b failed", at: 1_796_575_236_000 },
        { level: "info", text: "no time", at: undefined },
        { level: "summary", text: "### done", at: 1_796_575_237_000 },
      ]);
      expect(lines[2]).not.toHaveProperty("at");
    });

    it("lists running runs and marks one interrupted only while it is running", async () => {
      const store = await makeStore();
      const first = await store.startRun(started("ci.yml"));
      const second = await store.startRun(started("ci.yml"));
      expect(await store.runningRunIds()).toEqual([first.runId, second.runId]);
      expect(await store.markInterrupted(first.runId, 500)).toBe(true);
      expect(await store.markInterrupted(first.runId, 600)).toBe(false);
      expect(await store.getRun(first.runId)).toMatchObject({
        status: "completed",
        conclusion: "interrupted",
        durationMs: 500,
      });
      expect(await store.runningRunIds()).toEqual([second.runId]);
    });
  });
}
