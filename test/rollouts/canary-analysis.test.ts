/**
 * Issue 11, failures 4 and 5, end to end (real proxy, real processes, real SQLite):
 * - with no traffic, a background metric waits for its minimum samples instead of burning its
 *   inconclusive limit; when traffic comes it still measures and decides, status says what it
 *   waits for, and promote moves the step (the weight follows);
 * - a canary identical to stable, under load, passes the DEFAULT analysis and is promoted.
 */
import { afterEach, describe, expect, it } from "vitest";
import { rolloutDetails } from "../../src/cli/commands/status.js";
import { canaryYaml } from "./canary-world.js";
import { startWorld, steadyTraffic, type World } from "./world.js";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The background metric of failure 5: wait on inconclusive, no interval, the default limit. */
const WAITING_METRIC =
  "- { name: error rate, provider: proxy, judge: threshold, statistic: error-rate, max: 0.05, minSamples: 10, unit: ratio, onInconclusive: wait }";

describe("canary analysis that waits for data and compares only what matters", () => {
  it(
    "no traffic for a while, then traffic: the analysis waits, then measures and decides; promote moves the step",
    { timeout: 120_000 },
    async () => {
      world = await startWorld(
        {},
        canaryYaml({
          steps: ["- setWeight: 20", "- pause: manual", "- setWeight: 50", "- pause: manual"],
          metrics: [WAITING_METRIC],
        }),
      );
      const first = await world.deploy("v1");
      expect((await world.waitFinal(first.id)).phase).toBe("promoted");

      const second = await world.deploy("v2");
      // No traffic: the metric waits. Two waiting checks apart (the poll is 5 s) prove time passed
      // without a verdict; the old engine had burned its 10 inconclusive measurements by then.
      const idle = await world.waitFor(
        second.id,
        (r) => {
          const state = r.analysis?.[0]?.metrics[0]?.state;
          const last = state?.measurements.at(-1);
          return (
            state?.waitingSince !== undefined && last !== undefined && last.startedAt > state.waitingSince
          );
        },
        60_000,
      );
      const waiting = idle.analysis?.[0]?.metrics[0]?.state;
      expect(waiting).toMatchObject({ phase: "running", inconclusive: 0, taken: 0 });
      expect(waiting?.measurements).toHaveLength(1);
      expect(idle.phase).toBe("paused");
      expect(idle.canary).toMatchObject({ weight: 20, stepIndex: 1 });
      // Status says exactly what the analysis waits for.
      expect(rolloutDetails(idle).join("\n")).toContain(
        "error rate: waiting for 10 requests on the canary (0 so far)",
      );

      // Traffic arrives: the same run measures and decides.
      const traffic = steadyTraffic(world, 5, 2);
      const decided = await world.waitFor(
        second.id,
        (r) => r.analysis?.[0]?.metrics[0]?.state.phase !== "running",
        60_000,
      );
      expect(decided.analysis?.[0]?.metrics[0]?.state).toMatchObject({ phase: "successful", successful: 1 });

      // Promote: the step moves and the weight follows it.
      await world.controller.promote(second.id, { actor: "test" });
      const moved = await world.waitFor(
        second.id,
        (r) => r.canary?.weight === 50 && r.phase === "paused",
        30_000,
      );
      expect(moved.canary).toMatchObject({ stepIndex: 3, weight: 50, paused: { by: "step" } });
      await world.controller.promote(second.id, { actor: "test" });
      const done = await world.waitFinal(second.id, 30_000);
      const counts = await traffic.stop();
      expect(done.phase).toBe("promoted");
      expect(counts.failed).toBe(0);
    },
  );

  it(
    "a canary identical to stable, under load, passes the default analysis and is promoted",
    { timeout: 120_000 },
    async () => {
      // The default analysis: no metrics written (the step's `analysis: {}` uses the default canary
      // metrics once each), the default latency-vs-baseline trigger on, a short warm-up.
      const yaml = canaryYaml({ steps: ["- setWeight: 50", "- analysis: {}", "- pause: 1s"] })
        .replace(/ {6}metrics:\n.*\n/, "")
        .replace(/latencyVsBaseline: .*/, "latencyVsBaseline: { ratio: 2, percentile: 95, for: 2s }")
        .replace("window: 3s", "window: 30s\n      warmUp: 1s");
      expect(yaml).not.toContain("metrics:");
      world = await startWorld({}, yaml);
      const first = await world.deploy("v1");
      expect((await world.waitFinal(first.id, 60_000)).phase).toBe("promoted");

      const traffic = steadyTraffic(world, 2, 4);
      const second = await world.deploy("v2");
      const done = await world.waitFinal(second.id, 90_000);
      const counts = await traffic.stop();
      expect(`${done.phase} ${done.reason ?? ""}`).toBe("promoted ");
      expect(counts.failed).toBe(0);
      // The comparisons really ran (after the warm-up, on enough requests) and passed.
      const step = done.analysis?.find((a) => a.step === 1);
      expect(step?.outcome?.decision).toBe("continue");
      for (const name of ["latency vs stable", "error rate vs stable", "latency p95 vs stable"]) {
        const metric = step?.metrics.find((m) => m.name === name);
        expect(metric?.state.phase, name).toBe("successful");
        expect(metric?.state.measurements.at(-1)?.explanation, name).toMatch(/→ pass$/);
      }
      const latency = step?.metrics.find((m) => m.name === "latency vs stable");
      expect(latency?.state.measurements.at(-1)?.numbers?.canaryN as number).toBeGreaterThanOrEqual(50);
    },
  );
});
