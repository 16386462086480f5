import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { databaseEnv, testDatabase } from "./test-database.js";

const BIN = resolve(import.meta.dirname, "../../bin/slipway.js");
/** The dashboard is served at the API URL; the demo creates a user whose password it prints once. */
const DASHBOARD_LINE =
  /\n {2}dashboard +http:\/\/127\.0\.0\.1:\d+\/ +sign in as demo-[0-9a-f]{6} \/ [\w-]{16} +\(shown once\)\n/;

/** PostgreSQL when SLIPWAY_TEST_DATABASE=postgres (one database per demo), else the demo's SQLite file. */
const databases = [await testDatabase("demo"), await testDatabase("demo_canary")];
afterAll(async () => {
  for (const database of databases) await database?.drop();
});

describe("slipway demo --flags --exit", () => {
  it("tells the whole story and cleans up after itself", () => {
    const run = spawnSync(process.execPath, [BIN, "demo", "--flags", "--exit"], {
      encoding: "utf8",
      timeout: 110_000,
      env: { ...process.env, NO_COLOR: "1", SLIPWAY_LOG_LEVEL: "warn", ...databaseEnv(databases[0]) },
    });
    const out = run.stdout;
    expect(run.status, `${out}\n${run.stderr}`).toBe(0);
    expect(out).toMatch(DASHBOARD_LINE);
    expect(out).toMatch(/✔ web promoted, api promoted/);
    expect(out).toMatch(
      /web\/production@v2 rolled back to web\/production@v1: candidate not ready within 5\.0s/,
    );
    // v2 never got a request: the step's traffic line names v1 only.
    expect(out).toMatch(/never becomes ready[\s\S]*traffic during this step: v1: \d+ ok\n/);
    expect(out).toMatch(/web\/production@v3 rolled back to web\/production@v1: error rate/);
    expect(out).toMatch(/promoted web\/production@v4; web\/production@v1 stays warm/);
    expect(out).toMatch(/connection errors seen by the load: 0\./);
    // The flag steps, evaluated over OFREP with a client key: about 10 %, then about 50 %, and
    // every user who had the flag at 10 % still has it.
    const at10 = Number(/(\d+) of 1000 users have it \(/.exec(out)?.[1]);
    expect(at10).toBeGreaterThan(50);
    expect(at10).toBeLessThan(150);
    expect(out).toMatch(
      new RegExp(
        `✔ ${at10} of the ${at10} users who had it at 10 % still have it at 50 % \\(stable assignment\\)`,
      ),
    );
    // The experiments: the A/B test names the new checkout the winner (its always-valid interval
    // clears 0), the A/A test between identical variants stays inconclusive.
    const [, ab = "", aa = ""] = out.split(/\n {2}(?=new-checkout-ab\n|checkout-copy-aa\n)/);
    expect(ab).toMatch(/\n {4}on +\d+ +\d+ +\d+\.\d % .* better\n/);
    expect(aa).toMatch(/\n {4}b +\d+ +\d+ +\d+\.\d % .* inconclusive\n/);
    expect(out).toMatch(/✔ A\/B: "on" wins on purchases/);
    expect(out).toMatch(/✔ A\/A: inconclusive, as it must be/);
    const dir = /in (\/\S+slipway-demo-\S+)/.exec(out)?.[1];
    expect(dir).toBeDefined();
    // The temporary project is gone, and with it every process the demo started.
    expect(processesMentioning(dir!)).toEqual([]);
  }, 120_000);
});

describe("slipway demo --canary --exit", () => {
  it("promotes a good canary step by step, aborts a bad one with the analysis' verdict, and cleans up", () => {
    const run = spawnSync(process.execPath, [BIN, "demo", "--canary", "--exit"], {
      encoding: "utf8",
      timeout: 110_000,
      env: { ...process.env, NO_COLOR: "1", SLIPWAY_LOG_LEVEL: "warn", ...databaseEnv(databases[1]) },
    });
    const out = run.stdout;
    expect(run.status, `${out}\n${run.stderr}`).toBe(0);
    expect(out).toMatch(DASHBOARD_LINE);
    const [, , v2 = "", v3 = ""] = out.split(/\n(?=\d\. )/);
    // v2: 10 %, analysis, 50 %, analysis, promoted; the testers' header always reaches the canary.
    expect(v2).toMatch(/10 %/);
    expect(v2).toMatch(/tester .*→ 10\/10 answered by v2\n/);
    expect(v2).toMatch(/✔ promoted after/);
    expect(v2).toMatch(/traffic during this step: .*v2: \d+ ok/);
    // v3: aborted by the analysis, with the measurement that decided it in one line.
    expect(v3).toMatch(/✔ rolled-back after/);
    expect(v3).toMatch(/\n {2}verdict: error rate: canary \d+\.\d% > max 5\.0% \(threshold\) → fail\n/);
    expect(v3).toMatch(/traffic during this step: .*v3: \d+ ok, \d+ failed/);
    const dir = /in (\/\S+slipway-demo-\S+)/.exec(out)?.[1];
    expect(dir).toBeDefined();
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
