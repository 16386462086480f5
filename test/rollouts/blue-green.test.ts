import { afterEach, describe, expect, it } from "vitest";
import type { DataPlaneKind } from "../../src/core/traffic/index.js";
import { postgresStores } from "../../src/store/postgres/test-support.js";
import { testDatabaseKind } from "./test-database.js";
import {
  DATA_PLANES,
  projectYaml,
  startWorld,
  steadyTraffic,
  withoutBaselineTrigger,
  type World,
} from "./world.js";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const postgres = postgresStores("blue_green");
/**
 * The scenario on each data plane with the database SLIPWAY_TEST_DATABASE chooses and, when that is
 * SQLite (the default suite), once more on PostgreSQL, so that every suite runs a rollout on it.
 */
type Case = [name: string, dataPlane: DataPlaneKind, database: () => Promise<string | undefined>];
const cases: Case[] = [
  ...DATA_PLANES.map((plane): Case => [
    `${plane}, ${testDatabaseKind()}`,
    plane,
    () => Promise.resolve(undefined),
  ]),
  ...(testDatabaseKind() === "sqlite"
    ? [["builtin, postgres", "builtin", () => postgres.freshUrl()] satisfies Case]
    : []),
];

describe.each(cases)(
  "blue-green rollouts with a real proxy and real processes (%s)",
  (_name, dataPlane, database) => {
    it("promotes a good version, keeps the old one warm, then drains and stops it", async () => {
      const url = await database();
      world = await startWorld({}, withoutBaselineTrigger(projectYaml()), {
        dataPlane,
        ...(url ? { database: url } : {}),
      });
      const first = await world.deploy("v1");
      expect((await world.waitFinal(first.id)).phase).toBe("promoted");
      expect(await world.get()).toEqual({ status: 200, version: "v1" });

      const traffic = steadyTraffic(world);
      const second = await world.deploy("v2");
      const warm = await world.waitFor(second.id, (r) => r.phase === "warm");
      expect(warm.outcome).toBe("promoted");
      expect(world.runtime.instances("web/production@v1").filter((i) => i.state === "ready")).toHaveLength(2);
      const done = await world.waitFinal(second.id);
      const counts = await traffic.stop();
      expect(`${done.phase} ${done.reason ?? ""}`).toBe("promoted ");
      expect(await world.get()).toEqual({ status: 200, version: "v2" });
      expect(world.runtime.instances("web/production@v1").filter((i) => i.state !== "stopped")).toEqual([]);
      expect(counts.failed).toBe(0);
      expect([...counts.statuses.keys()]).toEqual([200]);
      expect(counts.byVersion.get("v2")).toBeGreaterThan(0);
      expect((await world.store.events({ rolloutId: second.id })).map((e) => e.type)).toEqual([
        "rollout.created",
        "rollout.candidate-started",
        "rollout.switched",
        "rollout.promoted",
        "rollout.draining",
        "rollout.stopping",
        "rollout.finished",
      ]);
      // Deploying the live version again is a no-op that says so.
      const again = await world.controller.deploy({
        service: "web",
        environment: "production",
        version: "v2",
        actor: "t",
      });
      expect(again).toMatchObject({
        result: "noop",
        message: "v2 is already live in web/production: nothing to do",
      });
    });
  },
);
