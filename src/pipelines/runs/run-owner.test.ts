import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDirs } from "../actions/builtin/test-context.js";
import type { RunStore } from "../../store/ports/run-store.js";
import { recordRunOwner, sweepAbandonedRuns } from "./run-owner.js";

const dirs = tempDirs();
const temp = (): string => dirs.make("slipway-run-owner-");
afterEach(() => dirs.cleanup());

/** A store of runs "1"…"4", all running, started at 0; records what was marked. */
function store() {
  const marked: [string, number | null][] = [];
  const runs: Pick<RunStore, "getRun" | "markInterrupted"> = {
    getRun: (runId) =>
      Promise.resolve({ runId, status: "running", startedAt: new Date(0).toISOString() } as never),
    markInterrupted: (runId, durationMs) => {
      marked.push([runId, durationMs]);
      return Promise.resolve(true);
    },
  };
  return { runs, marked };
}

/** The pid of a process that has ended (and been reaped). */
const deadPid = (): number =>
  spawnSync("sh", ["-c", "echo $$"]).stdout.toString().trim() as unknown as number;

describe("runs of a `slipway run` whose process is gone", () => {
  it("are marked interrupted by whoever looks next; a live owner's run is left running", async () => {
    const dataDir = temp();
    const release = recordRunOwner(dataDir, "1"); // this process: alive
    writeFileSync(join(dataDir, "run-owners", "2"), `${deadPid()} 123\n`); // killed
    const stat = readFileSync("/proc/self/stat", "utf8");
    const start = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    writeFileSync(join(dataDir, "run-owners", "3"), `${process.pid} ${start + 1}\n`); // its pid, reused
    const { runs, marked } = store();
    expect((await sweepAbandonedRuns(dataDir, runs, 5_000)).sort()).toEqual(["2", "3"]);
    expect(marked.sort()).toEqual([
      ["2", 5_000],
      ["3", 5_000],
    ]);
    expect(existsSync(join(dataDir, "run-owners", "2"))).toBe(false);
    expect(existsSync(join(dataDir, "run-owners", "1"))).toBe(true);
    release(); // the run ended: nothing left to sweep
    expect(existsSync(join(dataDir, "run-owners", "1"))).toBe(false);
    expect(await sweepAbandonedRuns(dataDir, runs)).toEqual([]);
  });

  it("does nothing without records", async () => {
    const { runs, marked } = store();
    expect(await sweepAbandonedRuns(temp(), runs)).toEqual([]);
    expect(marked).toEqual([]);
  });
});
