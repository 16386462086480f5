import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = resolve(import.meta.dirname, "../../bin/slipway.js");

describe("slipway demo --exit", () => {
  it("tells the whole story and cleans up after itself", () => {
    const run = spawnSync(process.execPath, [BIN, "demo", "--exit"], {
      encoding: "utf8",
      timeout: 110_000,
      env: { ...process.env, NO_COLOR: "1", SLIPWAY_LOG_LEVEL: "warn" },
    });
    const out = run.stdout;
    expect(run.status, `${out}\n${run.stderr}`).toBe(0);
    expect(out).toMatch(/✔ web promoted, api promoted/);
    expect(out).toMatch(
      /web\/production@v2 rolled back to web\/production@v1: candidate not ready within 5\.0s/,
    );
    // v2 never got a request: the step's traffic line names v1 only.
    expect(out).toMatch(/never becomes ready[\s\S]*traffic during this step: v1: \d+ ok\n/);
    expect(out).toMatch(/web\/production@v3 rolled back to web\/production@v1: error rate/);
    expect(out).toMatch(/promoted web\/production@v4; web\/production@v1 stays warm/);
    expect(out).toMatch(/connection errors seen by the load: 0\./);
    const dir = /in (\/\S+slipway-demo-\S+)/.exec(out)?.[1];
    expect(dir).toBeDefined();
    // The temporary project is gone, and with it every process the demo started.
    expect(processesMentioning(dir!)).toEqual([]);
  }, 120_000);
});

/** Pids whose command line or working directory mentions `text` (what `pgrep -f` would find). */
function processesMentioning(text: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return (
          readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text) ||
          readlinkSync(`/proc/${pid}/cwd`).startsWith(text)
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}
