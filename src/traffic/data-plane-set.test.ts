import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { SlipwayError } from "../core/errors.js";
import {
  DEFAULT_TRAFFIC_POLICY,
  LATENCY_BUCKETS_MS,
  type RevisionStats,
  type Route,
  type RouteTable,
} from "../core/traffic/index.js";
import { DataPlaneSet } from "./data-plane-set.js";
import type { DataPlaneAdmin } from "./port.js";

/** A data plane that records what it was sent and can be cut off (then every call fails). */
class FakePlane implements DataPlaneAdmin {
  tables: RouteTable[] = [];
  down = false;
  served = 0;
  applyRoutes(table: RouteTable) {
    if (this.down)
      return Promise.reject(new SlipwayError("SLIPWAY_UNAVAILABLE", "unreachable (EHOSTUNREACH)"));
    this.tables.push(table);
    return Promise.resolve({ generation: table.generation });
  }
  routes() {
    return Promise.resolve(this.tables.at(-1) ?? { generation: 0, routes: [] });
  }
  stats(): Promise<RevisionStats[]> {
    if (this.down) return Promise.reject(new SlipwayError("SLIPWAY_UNAVAILABLE", "unreachable"));
    return Promise.resolve([statsOf("web/production@v1", this.served)]);
  }
}

function statsOf(revision: string, ok: number): RevisionStats {
  return {
    revision,
    route: "web/production",
    responses: { "1xx": 0, "2xx": ok, "3xx": 0, "4xx": 0, "5xx": 0 },
    inflight: 0,
    latency: { bucketsMs: LATENCY_BUCKETS_MS, counts: LATENCY_BUCKETS_MS.map(() => ok), sum: ok, count: ok },
  };
}

const route = (id: string, weight: number): Route => ({
  id,
  hosts: [],
  pathPrefix: "/",
  policy: DEFAULT_TRAFFIC_POLICY,
  revisions: [{ id: `${id}@v2`, weight, instances: [{ id: "i", host: "127.0.0.1", port: 4000 }] }],
});
const table = (generation: number, weight: number): RouteTable => ({
  generation,
  routes: [route("web/production", weight), route("web/staging", 100)],
});

function setOf(quorum = 2) {
  const local = new FakePlane();
  const a = new FakePlane();
  const b = new FakePlane();
  const production = new Set(["production"]);
  const set = new DataPlaneSet({
    local,
    hosts: [
      { name: "a", admin: "http://a", client: a, environments: production, upstreamHost: "10.0.0.1" },
      { name: "b", admin: "http://b", client: b, environments: production },
    ],
    planes: [{ environment: "production", hosts: ["a", "b"], quorum }],
    retryMs: 5,
    maxRetryMs: 20,
  });
  return { set, local, a, b };
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(5);
  }
}

describe("DataPlaneSet", () => {
  it("sends each host the same generation with its environments' routes, upstreams as it reaches them", async () => {
    const { set, local, a, b } = setOf();
    await set.applyRoutes(table(4, 10));
    expect(local.tables.map((t) => t.routes.length)).toEqual([2]);
    expect(a.tables[0]?.generation).toBe(4);
    expect(a.tables[0]?.routes.map((r) => r.id)).toEqual(["web/production"]);
    expect(a.tables[0]?.routes[0]?.revisions[0]?.instances[0]?.host).toBe("10.0.0.1");
    expect(b.tables[0]?.routes[0]?.revisions[0]?.instances[0]?.host).toBe("127.0.0.1");
    expect(set.shortfall("production")).toBeUndefined();
    expect(set.hostsOf("production").map((h) => [h.name, h.health, h.generation])).toEqual([
      ["a", "in-sync", 4],
      ["b", "in-sync", 4],
    ]);
    await set.close();
  });

  it("keeps going without an unreachable host, says the environment is short, and catches it up with the newest table", async () => {
    const { set, a, b } = setOf();
    await set.applyRoutes(table(1, 10));
    b.down = true;
    await set.applyRoutes(table(2, 50)); // resolves: the local proxy acknowledged
    expect(set.shortfall("production")).toMatch(
      /1 of 2 data planes of production hold generation 2 .*behind: b/,
    );
    expect(set.hostsOf("production").find((h) => h.name === "b")).toMatchObject({
      health: "unreachable",
      generation: 1,
      desiredGeneration: 2,
      error: expect.stringMatching(/EHOSTUNREACH/) as unknown,
    });
    await set.applyRoutes(table(3, 100));
    expect(a.tables.map((t) => t.generation)).toEqual([1, 2, 3]);
    b.down = false;
    await until(() => set.shortfall("production") === undefined);
    // The returning host gets the newest table only, not the ones it missed.
    expect(b.tables.map((t) => t.generation)).toEqual([1, 3]);
    expect(set.hostsOf("production").every((h) => h.health === "in-sync")).toBe(true);
    await set.close();
  });

  it("meets a quorum of 1 with one host down", async () => {
    const { set, b } = setOf(1);
    b.down = true;
    await set.applyRoutes(table(1, 10));
    expect(set.shortfall("production")).toBeUndefined();
    await set.close();
  });

  it("rejects when the local proxy does not acknowledge", async () => {
    const { set, local } = setOf();
    local.down = true;
    await expect(set.applyRoutes(table(1, 10))).rejects.toThrow(/unreachable/);
    await set.close();
  });

  it("sums stats over every host, an unreachable one with its last answer", async () => {
    const { set, local, a, b } = setOf();
    [local.served, a.served, b.served] = [1, 10, 100];
    expect((await set.stats())[0]?.responses["2xx"]).toBe(111);
    b.down = true;
    a.served = 20;
    expect((await set.stats())[0]?.responses["2xx"]).toBe(121);
    await set.close();
  });
});
