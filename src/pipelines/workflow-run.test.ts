import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeScratchDir, removeAbandonedScratch } from "./workflow-run.js";

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe("scratch folders of runs", () => {
  it("removes the folders of runs whose process is gone, and only those", () => {
    const root = mkdtempSync(join(tmpdir(), "slipway-scratch-root-"));
    roots.push(root);
    // A process that has exited: its id names no process any more.
    const gone = spawnSync("true").pid;
    const abandoned = `slipway-run-7-p${gone}-AbC123`;
    const live = `slipway-run-8-p${process.pid}-XyZ789`;
    for (const name of [abandoned, live, "slipway-run-9-unrelated", "other"])
      mkdirSync(join(root, name, "job-1"), { recursive: true });
    removeAbandonedScratch(root);
    expect(readdirSync(root).sort()).toEqual([live, "other", "slipway-run-9-unrelated"].sort());
  });

  it("names a run's folder after its process, below the root", () => {
    const root = mkdtempSync(join(tmpdir(), "slipway-scratch-root-"));
    roots.push(root);
    const dir = makeScratchDir(root, "42");
    expect(dir?.startsWith(join(root, `slipway-run-42-p${process.pid}-`))).toBe(true);
    expect(makeScratchDir(join(root, "missing", "deeper"), "43")).toBeUndefined();
  });
});
