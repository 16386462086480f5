import autocannon, { type Result } from "autocannon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDeciding } from "../../src/core/rollout/types.js";
import { projectYaml, startWorld, withoutBaselineTrigger, type World } from "./world.js";

let world: World;
beforeAll(async () => {
  // This test is about lost requests, not analysis: a cold candidate on a CPU shared with the load
  // generator can look 2x slower than the warm stable one, so the baseline trigger is off here.
  const yaml = withoutBaselineTrigger(projectYaml("1s").replace("scaleDownDelay: 1s", "scaleDownDelay: 3s"));
  world = await startWorld({}, yaml);
  await world.waitFinal((await world.deploy("v1")).id);
}, 60_000);
afterAll(async () => world?.close());

describe("zero loss", () => {
  it("steady load through five blue-green deploys and two rollbacks: no failed or non-2xx request", async () => {
    let finish: (result: Result) => void = () => undefined;
    const done = new Promise<Result>((ok) => (finish = ok));
    // Bounded: 8 connections at 500 requests/s overall, at most 120 s; stopped when the deploys are over.
    const options = { url: `${world.proxyUrl}/`, connections: 8, overallRate: 500, duration: 120 };
    const load = autocannon(options, (error, result) => {
      if (error) throw error;
      finish(result);
    });
    const decided = async (id: string) => world.waitFor(id, (r) => !isDeciding(r.phase), 30_000);
    const live = async () =>
      (await world.store.traffic("web", "production"))?.traffic.find((t) => t.weight > 0)?.revision;
    try {
      // 1: v2, then an instant rollback while v1 is warm.
      expect((await decided((await world.deploy("v2")).id)).outcome).toBe("promoted");
      const instant = await world.controller.rollback({
        service: "web",
        environment: "production",
        reason: "zero-loss test",
        actor: "test",
      });
      expect(instant.message).toMatch(/rolled back to web\/production@v1/);
      await world.waitFinal(instant.rollout!.id);
      // 2..5: v3, v4, v5, v6, each waited until finished (previous revision drained and stopped).
      for (const version of ["v3", "v4", "v5", "v6"]) {
        const r = await world.waitFinal((await world.deploy(version)).id);
        expect(`${r.phase} ${r.reason ?? ""}`).toBe("promoted ");
      }
      // A rollback once v5 is gone: redeploys v5's release.
      const redeploy = await world.controller.rollback({
        service: "web",
        environment: "production",
        reason: "zero-loss test, redeploy",
        actor: "test",
      });
      expect(redeploy.rollout?.kind).toBe("rollback");
      await world.waitFinal(redeploy.rollout!.id);
      expect(await live()).toBe("web/production@v5");
    } finally {
      load.stop();
    }
    const result = await done;
    expect(result.requests.total).toBeGreaterThan(0);
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
  }, 120_000);
});
