// Runs inside the server (schedules, restarts), through the library API the server uses
// (RunManager on a real SQLite store and a real git repository).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RunManager } from "../../src/pipelines/runs/run-manager.js";
import { runWorkflows } from "../../src/pipelines/run.js";
import { openStore, type Store } from "../../src/store/index.js";
import { makeRepo } from "./helpers.js";

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const SLOW = `name: Slow
on: workflow_dispatch
jobs:
  wait:
    runs-on: ubuntu-latest
    steps:
      - run: sleep 60
`;

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("condition never held");
}

describe("server restart", () => {
  it("marks the runs the previous server left running as interrupted, and leaves CLI runs alone", async () => {
    const target = makeRepo([], { ".github/workflows/slow.yml": SLOW });
    cleanups.push(() => target.cleanup());
    const dataDir = mkdtempSync(join(tmpdir(), "slipway-restart-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const store: Store = await openStore(join(dataDir, "slipway.db"));
    cleanups.push(() => store.close());

    // The "old" server starts a run, and a terminal `slipway run` runs on the same database.
    const before = new RunManager({ dir: target.dir, dataDir, store: store.runs });
    cleanups.push(() => before.stop());
    const { runs } = await before.trigger({ event: "workflow_dispatch", workflow: "slow.yml", actor: "ada" });
    const serverRun = runs[0]?.runId ?? "";
    const cli = new AbortController();
    const cliRun = runWorkflows({
      dir: target.dir,
      event: "workflow_dispatch",
      history: store.runs,
      dataDir,
      signal: cli.signal,
    });
    cleanups.push(async () => {
      cli.abort();
      await cliRun;
    });
    await until(async () => (await store.runs.runningRunIds()).length === 2);

    // The "new" server process starts on the same data directory.
    const after = new RunManager({ dir: target.dir, dataDir, store: store.runs });
    expect(await after.markInterrupted()).toEqual([serverRun]);
    const marked = await after.get(serverRun);
    expect(marked).toMatchObject({ status: "completed", conclusion: "interrupted" });
    const running = await store.runs.runningRunIds();
    expect(running).toHaveLength(1);
    expect(running[0]).not.toBe(serverRun);
    // Marking twice finds nothing more.
    expect(await after.markInterrupted()).toEqual([]);
  }, 120_000);
});

describe("schedule triggers", () => {
  it("starts the workflows whose cron fires in the given UTC minute, with github.event.schedule", async () => {
    const target = makeRepo([], {
      ".github/workflows/nightly.yml": `name: Nightly
on:
  schedule:
    - cron: "30 5 * * 1-5"
    - cron: "0 12 1 * *"
jobs:
  report:
    runs-on: ubuntu-latest
    steps:
      - run: echo "event=\${{ github.event_name }} cron=\${{ github.event.schedule }}"
`,
      ".github/workflows/push-only.yml": `name: Push
on: push
jobs:
  x:
    runs-on: ubuntu-latest
    steps:
      - run: echo never
`,
    });
    cleanups.push(() => target.cleanup());
    const dataDir = mkdtempSync(join(tmpdir(), "slipway-schedule-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const store: Store = await openStore(join(dataDir, "slipway.db"));
    cleanups.push(() => store.close());
    const manager = new RunManager({ dir: target.dir, dataDir, store: store.runs });
    cleanups.push(() => manager.stop());

    // Sunday 05:30 UTC and Monday 05:31 UTC: not due.
    expect(await manager.runSchedules(new Date("2026-12-06T05:30:00Z"))).toEqual([]);
    expect(await manager.runSchedules(new Date("2026-12-07T05:31:00Z"))).toEqual([]);
    // Monday 06:30 in UTC+1 is 05:30 UTC: due.
    const started = await manager.runSchedules(new Date("2026-12-07T06:30:20+01:00"));
    expect(started.map((run) => run.workflowFile)).toEqual([".github/workflows/nightly.yml"]);
    const runId = started[0]?.runId ?? "";
    await until(async () => (await manager.get(runId))?.status === "completed");
    expect(await manager.get(runId)).toMatchObject({ event: "schedule", conclusion: "success" });
    const lines = (await manager.logs(runId)).flatMap((job) => job.lines.map((line) => line.text));
    expect(lines).toContain("event=schedule cron=30 5 * * 1-5");
  }, 120_000);

  it("has nothing to schedule in a project outside git (and does not throw from its timer)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-schedule-nogit-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const store: Store = await openStore(join(dir, "slipway.db"));
    cleanups.push(() => store.close());
    const manager = new RunManager({ dir, dataDir: dir, store: store.runs });
    cleanups.push(() => manager.stop());
    expect(await manager.runSchedules(new Date("2026-12-07T05:30:00Z"))).toEqual([]);
  });
});
