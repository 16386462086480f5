import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATA_PLANES, projectYaml, startWorld, steadyTraffic, type World } from "./world.js";

/**
 * Each fault kind ends with the previous revision serving and the rollout recorded as rolled back.
 * One world (proxy + v1) serves every case, in sequence, under steady traffic.
 */
describe.each(DATA_PLANES)("with the %s data plane", (dataPlane) => {
  let world: World;
  let traffic: ReturnType<typeof steadyTraffic>;

  beforeAll(async () => {
    world = await startWorld(
      {
        "v-crash-boot": { CRASH_ON_BOOT: "1" },
        "v-never-ready": { NEVER_READY: "1" },
        "v-5xx": { FAIL_RATE: "0.2" },
        "v-slow": { LATENCY_MS: "300" },
        "v-late-crash": { CRASH_AFTER_MS: "2000" },
      },
      projectYaml("4s"),
      { dataPlane },
    );
    const first = await world.deploy("v1");
    await world.waitFinal(first.id);
    traffic = steadyTraffic(world, 5, 6);
  }, 60_000);

  afterAll(async () => {
    await traffic?.stop();
    await world?.close();
  });

  describe("automatic rollback, one case per fault kind", () => {
    it.each([
      ["crash on start", "v-crash-boot", /candidate crashed on start \(\d+ restarts, last: .*exit/],
      ["never ready", "v-never-ready", /candidate not ready within 6\.0s \(0\/2 instances ready\)/],
      ["5xx after the switch", "v-5xx", /error rate \d+\.\d% > 5\.0% over \d+ms/],
      ["latency regression after the switch", "v-slow", /p95 \d+(\.\d+)?ms > 2x baseline p95 \d+(\.\d+)?ms/],
      // Both instances die together, so the proxy's 502s may trip the error rate before the
      // runtime reports the restart: either way the crash is caught and rolled back.
      ["crash a few seconds after the switch", "v-late-crash", /crashed after the switch|error rate/],
    ])(
      "%s",
      async (_name, version, reason) => {
        const rollout = await world.deploy(version);
        const done = await world.waitFinal(rollout.id, 45_000);
        expect(done.phase).toBe("rolled-back");
        expect(done.reason).toMatch(reason);
        expect(await world.get()).toEqual({ status: 200, version: "v1" });
        expect((await world.store.traffic("web", "production"))?.traffic).toEqual([
          { revision: "web/production@v1", weight: 100 },
        ]);
        expect(
          world.runtime.instances(`web/production@${version}`).filter((i) => i.state !== "stopped"),
        ).toEqual([]);
        const types = (await world.store.events({ rolloutId: rollout.id })).map((e) => e.type);
        expect(types).toContain("rollout.rollback");
        expect(types.at(-1)).toBe("rollout.finished");
      },
      60_000,
    );

    // Not yet with HAProxy. Reloads no longer cost requests (instances, weights and previews change
    // over the Runtime API; one reload in this whole sequence, at the start), but when the
    // "late crash" candidate dies mid-request HAProxy closes a keep-alive client connection
    // unanswered instead of a 502 (its rule for a failed request that is not the first on the
    // connection: the client should retry), which undici reports as "other side closed" (~7 here).
    // No 2.6 setting turns it into a 502: `retry-on empty-response` would retry a request the app
    // may have run (the contract forbids it, and it would retry what the drain deadline cuts), and
    // once the retries are spent (both instances die together here) http_wait_for_response takes
    // the same `abort_keep_alive` path, which also drops the request's log line. Only closing every
    // client connection after its response (`option httpclose`) would make each request "first".
    it.skipIf(dataPlane === "haproxy")(
      "never lost a request to a fault that struck before the switch",
      async () => {
        const counts = await traffic.stop();
        expect(counts.failed).toBe(0);
        // 500s come only from the 5xx candidate while it had traffic; none from v1.
        expect(counts.byVersion.get("v1")).toBeGreaterThan(0);
      },
    );
  });
});
