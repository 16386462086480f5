import { describe, expect, it } from "vitest";
import { shortfalls, tableForHost, environmentOfRoute } from "./data-planes.js";
import { DEFAULT_TRAFFIC_POLICY, type Route, type RouteTable } from "./route-table.js";

const route = (id: string, weight: number, host = "127.0.0.1"): Route => ({
  id,
  hosts: [],
  pathPrefix: "/",
  policy: DEFAULT_TRAFFIC_POLICY,
  revisions: [{ id: `${id}@v1`, weight, instances: [{ id: "i1", host, port: 4000 }] }],
});
const table = (generation: number, ...routes: Route[]): RouteTable => ({ generation, routes });

describe("tableForHost", () => {
  it("keeps the generation and only the routes of the host's environments", () => {
    const t = table(7, route("web/production", 100), route("web/staging", 100));
    expect(tableForHost(t, new Set(["production"])).routes.map((r) => r.id)).toEqual(["web/production"]);
    expect(tableForHost(t, new Set(["production"])).generation).toBe(7);
  });

  it("replaces loopback upstreams with the address the host reaches the instances at", () => {
    const t = table(3, route("web/production", 100), route("api/production", 100, "10.1.1.9"));
    const sent = tableForHost(t, new Set(["production"]), "10.0.0.1");
    expect(sent.routes.map((r) => r.revisions[0]?.instances[0]?.host)).toEqual(["10.0.0.1", "10.1.1.9"]);
    expect(t.routes[0]?.revisions[0]?.instances[0]?.host).toBe("127.0.0.1"); // not mutated
  });

  it("reads the environment from the route id", () => {
    expect(environmentOfRoute("web/prod-eu")).toBe("prod-eu");
  });
});

describe("shortfalls", () => {
  const planes = [{ environment: "production", hosts: ["a", "b"], quorum: 2 }];
  const now = table(5, route("web/production", 50), route("web/staging", 100));
  const cases: {
    name: string;
    acked: Record<string, RouteTable | undefined>;
    quorum?: number;
    short: string[];
  }[] = [
    { name: "every host holds the table", acked: { a: now, b: now }, short: [] },
    { name: "one host never answered", acked: { a: now, b: undefined }, short: ["b"] },
    {
      name: "one host holds an older weight",
      acked: { a: now, b: table(4, route("web/production", 10)) },
      short: ["b"],
    },
    {
      name: "a host behind only on another environment's routes holds this one's",
      acked: { a: now, b: table(4, route("web/production", 50)) },
      short: [],
    },
    { name: "a quorum of 1 is met by one host", acked: { a: now, b: undefined }, quorum: 1, short: [] },
    {
      name: "a quorum of 1 with no host holding it",
      acked: { a: undefined, b: undefined },
      quorum: 1,
      short: ["a", "b"],
    },
  ];
  it.each(cases)("$name", ({ acked, quorum, short }) => {
    const found = shortfalls(
      planes.map((p) => ({ ...p, quorum: quorum ?? p.quorum })),
      now,
      new Map(Object.entries(acked)),
    );
    expect(found.flatMap((s) => s.behind)).toEqual(short);
  });
});
