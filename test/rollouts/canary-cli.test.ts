import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canaryYaml } from "./canary-world.js";
import { startWorld, type World } from "./world.js";
import { serveWorldApi, type WorldApi } from "./world-api.js";

// Runs the built CLI (`npm run build` first, as `npm test` does) against a control plane over a
// real proxy and real processes. The CLI runs asynchronously: the server lives in this process.
const BIN = join(import.meta.dirname, "..", "..", "bin", "slipway.js");
const run = promisify(execFile);

let world: World;
let served: WorldApi;
let base: string;
let token: string;

async function slipway(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, SLIPWAY_URL: base, SLIPWAY_TOKEN: token, NO_COLOR: "1" },
      timeout: 45_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

beforeAll(async () => {
  world = await startWorld(
    {},
    canaryYaml({ steps: ["- setWeight: 30", "- pause: manual", "- setWeight: 60", "- pause: manual"] }),
  );
  served = await serveWorldApi(world, "ci");
  ({ base, token } = served);
  const first = await world.deploy("v1");
  await world.waitFinal(first.id);
}, 60_000);

afterAll(async () => {
  await served?.close();
  await world?.close();
});

describe("slipway status, promote and abort on a canary", () => {
  it(
    "status shows the step, weight, pause reason and each metric's verdict; promote moves it on",
    { timeout: 90_000 },
    async () => {
      const nothing = await slipway("promote", "web");
      expect(nothing).toMatchObject({ code: 1, stderr: "slipway: no rollout of web is in progress\n" });

      const second = await world.deploy("v2");
      await world.waitFor(
        second.id,
        (r) => r.phase === "paused" && (r.analysis?.[0]?.metrics[0]?.state.measurements.length ?? 0) > 0,
      );
      const status = await slipway("status");
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(`  rollout ${second.id} deploy v2: paused\n`);
      expect(status.stdout).toContain("    canary step 2/4 (pause until promoted), weight 30%\n");
      expect(status.stdout).toContain("    paused: step 2/4: paused until promoted\n");
      expect(status.stdout).toContain(
        "    now: paused 2/4: step 2/4: paused until promoted; `slipway promote` to go on\n",
      );
      // No traffic in this test: the metric waits for data and says exactly for what.
      expect(status.stdout).toContain("    background analysis (running, waiting for data):\n");
      expect(status.stdout).toMatch(
        /\n {6}error rate: waiting for 10 requests on the canary \(\d+ so far\)\n/,
      );

      const promoted = await slipway("promote", "web", "--reason", "looks good");
      // The API records the caller's name (here the admin token's) as the actor.
      expect(promoted.code).toBe(0);
      expect(promoted.stdout).toMatch(
        new RegExp(`^rollout ${second.id}: step 2/4 resumed by \\S+: looks good\n$`),
      );
      await world.waitFor(second.id, (r) => r.phase === "paused" && r.canary?.stepIndex === 3);

      const full = await slipway("promote", "web", "production", "--full", "--json");
      expect(full.code).toBe(0);
      expect(JSON.parse(full.stdout)).toMatchObject({
        result: "started",
        rollout: { phase: "warm", outcome: "promoted" },
      });
      expect((await world.waitFinal(second.id)).phase).toBe("promoted");
    },
  );

  it("abort needs a reason and rolls back to stable", { timeout: 90_000 }, async () => {
    const third = await world.deploy("v3");
    await world.waitFor(third.id, (r) => r.phase === "paused");
    const noReason = await slipway("abort", "web");
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain("required option '--reason <text>' not specified");
    const wrongEnv = await slipway("abort", "web", "staging", "--reason", "x");
    expect(wrongEnv).toMatchObject({ code: 1, stderr: "slipway: web/staging has never been deployed\n" });

    const aborted = await slipway("abort", "web", "--reason", "checkout errors");
    expect(aborted.code).toBe(0);
    expect(aborted.stdout).toMatch(
      new RegExp(
        `^rollout ${third.id}: web/production@v3 rolled back to web/production@v2: aborted by \\S+: checkout errors\n$`,
      ),
    );
    expect(await world.get()).toEqual({ status: 200, version: "v2" });
    const done = await world.waitFinal(third.id);
    expect(done.phase).toBe("rolled-back");
    expect(done.reason).toMatch(/^aborted by \S+: checkout errors$/);
    const status = await slipway("status");
    expect(status.stdout).toContain(`rollout ${third.id} deploy v3: rolled-back — ${done.reason}`);
    // A finished rollout shows its outcome: not the step it was on, nor a progress line.
    expect(status.stdout).not.toContain("canary step");
    expect(status.stdout).not.toContain("    now:");
  });

  it("--help names the arguments and options", { timeout: 120_000 }, async () => {
    const promote = await slipway("promote", "--help");
    expect(promote.stdout).toContain("Usage: slipway promote [options] <service> [environment]");
    expect(promote.stdout).toContain("--full");
    const abort = await slipway("abort", "--help");
    expect(abort.stdout).toContain("Usage: slipway abort [options] <service> [environment]");
    expect(abort.stdout).toContain("--reason <text>");
  });
});
