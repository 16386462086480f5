import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import type { ControllerChange } from "../../src/rollouts/controller.js";
import { canaryYaml } from "./canary-world.js";
import { DATA_PLANES, startWorld, steadyTraffic, type World } from "./world.js";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const STEP_ANALYSIS =
  "- analysis: { metrics: [{ name: errors so far, provider: proxy, judge: threshold, statistic: error-rate, max: 0.05, minSamples: 10, unit: ratio, interval: 250ms, count: 1, onInconclusive: wait, inconclusiveLimit: 40 }] }";

describe.each(DATA_PLANES)(
  "canary rollouts with a real proxy (%s), real processes and the analysis engine",
  (dataPlane) => {
    it(
      "a good canary walks through its steps, shares traffic with stable, and is promoted",
      { timeout: 90_000 },
      async () => {
        world = await startWorld(
          {},
          canaryYaml({
            steps: ["- setWeight: 25", "- pause: 1s", STEP_ANALYSIS, "- setWeight: 50", "- pause: 1s"],
          }),
          { dataPlane },
        );
        const first = await world.deploy("v1");
        // A first deploy has no stable revision to share traffic with: it switches (blue-green).
        expect((await world.waitFinal(first.id)).phase).toBe("promoted");

        const changes: ControllerChange[] = [];
        const off = world.controller.subscribe((c) => changes.push(c));
        const traffic = steadyTraffic(world, 5, 2);
        const second = await world.deploy("v2");
        expect(second.strategy).toBe("canary");
        const stepping = await world.waitFor(
          second.id,
          (r) => r.phase === "stepping" && (r.canary?.weight ?? 0) > 0,
        );
        // While the canary steps the proxy route carries its routing (testers' header, sticky cookie).
        // (The table is sent right after the commit the store shows: poll the proxy briefly.)
        let canary: unknown;
        for (let i = 0; i < 100 && canary === undefined; i++) {
          canary = (await world.proxy.client.routes()).routes[0]?.canary;
          if (canary === undefined) await sleep(50);
        }
        expect(canary).toEqual({
          revision: "web/production@v2",
          header: { name: "x-slipway-canary" },
          sticky: { cookie: "slipway-rev-web", maxAgeS: 3600 },
        });
        // Testers reach the canary with the header whatever the weights say.
        const tester = await request(`${world.proxyUrl}/`, { headers: { "x-slipway-canary": "1" } });
        await tester.body.text();
        expect(tester.headers["x-app-version"]).toBe("v2");
        expect(stepping.canary?.weight).toBe(25);

        const done = await world.waitFinal(second.id, 60_000);
        const counts = await traffic.stop();
        off();
        expect(`${done.phase} ${done.reason ?? ""}`).toBe("promoted ");
        expect(await world.get()).toEqual({ status: 200, version: "v2" });
        expect(counts.failed).toBe(0);
        expect([...counts.statuses.keys()]).toEqual([200]);
        // Both revisions served while the canary stepped.
        expect(counts.byVersion.get("v1")).toBeGreaterThan(0);
        expect(counts.byVersion.get("v2")).toBeGreaterThan(0);

        const types = (await world.store.events({ rolloutId: second.id })).map((e) => e.type);
        expect(types.slice(0, 4)).toEqual([
          "rollout.created",
          "rollout.candidate-started",
          "rollout.step",
          "rollout.weight",
        ]);
        expect(types).toContain("rollout.analysis-started");
        expect(types.filter((t) => t === "rollout.weight")).toHaveLength(2);
        expect(types.slice(-4)).toEqual([
          "rollout.promoted",
          "rollout.draining",
          "rollout.stopping",
          "rollout.finished",
        ]);
        const times = (await world.store.events({ rolloutId: second.id })).map((e) => Date.parse(e.at));
        expect(times).toEqual([...times].sort((a, b) => a - b));
        // Steps take time: the promotion is stamped after the first weight change.
        const events = await world.store.events({ rolloutId: second.id });
        const at = (type: string) => Date.parse(events.find((e) => e.type === type)?.at ?? "");
        expect(at("rollout.promoted")).toBeGreaterThan(at("rollout.weight"));
        const messages = events.map((e) => e.message);
        expect(messages).toContainEqual(
          expect.stringMatching(/^step 3\/5: analysis passed: errors so far: 1 of 1 measurements successful/),
        );

        // The analysis is kept with the rollout: the step's run and the background run, with measurements.
        const step = done.analysis?.find((a) => a.step === 2);
        expect(step?.outcome?.decision).toBe("continue");
        const background = done.analysis?.find((a) => a.step === undefined);
        expect(background?.metrics[0]?.name).toBe("error rate");
        expect(background?.metrics[0]?.state.measurements.length).toBeGreaterThan(0);
        expect(done.canary).toMatchObject({ stepIndex: 5, weight: 100 });

        // Subscribers heard every committed event, in order, and rollout changes (measurements too).
        const heard = changes.flatMap((c) =>
          c.kind === "event" && c.event.rolloutId === second.id ? [c.event.type] : [],
        );
        expect(heard).toEqual(types);
        expect(changes.some((c) => c.kind === "rollout" && (c.rollout.analysis?.length ?? 0) > 0)).toBe(true);
      },
    );

    it(
      "a canary with errors is aborted by the analysis and stable keeps serving",
      { timeout: 90_000 },
      async () => {
        world = await startWorld(
          { v2: { FAIL_RATE: "0.2" } },
          // The error-rate trigger is off: the background analysis is what must catch it.
          canaryYaml({ steps: ["- setWeight: 50", "- pause: 20s"], errorRateTrigger: "false" }),
          { dataPlane },
        );
        const first = await world.deploy("v1");
        expect((await world.waitFinal(first.id)).phase).toBe("promoted");

        const traffic = steadyTraffic(world, 5, 2);
        const second = await world.deploy("v2");
        const done = await world.waitFinal(second.id, 60_000);
        await traffic.stop();
        expect(done.phase).toBe("rolled-back");
        expect(done.reason).toMatch(
          /^error rate: 1 failed measurement\(s\) \(limit 0\); last: error rate: .* → fail$/,
        );
        const background = done.analysis?.find((a) => a.step === undefined);
        expect(background?.outcome).toMatchObject({ decision: "abort", phase: "failed" });
        // Stable serves everything again, and v2 is gone.
        for (let i = 0; i < 5; i++) expect(await world.get()).toEqual({ status: 200, version: "v1" });
        expect(world.runtime.instances("web/production@v2").filter((i) => i.state !== "stopped")).toEqual([]);
        const table = await world.proxy.client.routes();
        expect(table.routes[0]?.canary).toBeUndefined();
        expect(table.routes[0]?.revisions.map((r) => r.id)).toEqual(["web/production@v1"]);
      },
    );
  },
);
