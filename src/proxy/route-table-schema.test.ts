import { describe, expect, it } from "vitest";
import { DEFAULT_TRAFFIC_POLICY, type RouteTable } from "./route-table.js";
import { parseRouteTable } from "./route-table-schema.js";

const valid = (): RouteTable => ({
  generation: 1,
  routes: [
    {
      id: "web/prod",
      hosts: ["shop.test"],
      pathPrefix: "/",
      revisions: [{ id: "web@1", weight: 100, instances: [{ id: "i1", host: "127.0.0.1", port: 4000 }] }],
      policy: DEFAULT_TRAFFIC_POLICY,
    },
  ],
});

describe("parseRouteTable", () => {
  it("accepts a valid table", () => {
    expect(parseRouteTable(valid())).toEqual({ ok: true, table: valid() });
  });

  it.each<[string, (t: RouteTable) => unknown, RegExp]>([
    ["a negative generation", (t) => ({ ...t, generation: -1 }), /^invalid route table: generation:/],
    [
      "a bad port",
      (t) => (t.routes[0]!.revisions[0]!.instances[0]!.port = 70000),
      /routes\.0\.revisions\.0\.instances\.0\.port/,
    ],
    [
      "a prefix without /",
      (t) => (t.routes[0]!.pathPrefix = "api"),
      /routes\.0\.pathPrefix: must start with "\/"/,
    ],
    [
      "an unknown field",
      (t) => ((t.routes[0] as unknown as Record<string, unknown>).weights = 1),
      /routes\.0: Unrecognized key/,
    ],
    [
      "a duplicate revision",
      (t) => t.routes[0]!.revisions.push({ ...t.routes[0]!.revisions[0]! }),
      /duplicate revision "web@1"/,
    ],
    [
      "two routes on one host and prefix",
      (t) => t.routes.push({ ...t.routes[0]!, id: "b", revisions: [] }),
      /another route already serves host shop\.test with prefix \//,
    ],
    [
      "a revision shared by two routes",
      (t) => t.routes.push({ ...t.routes[0]!, id: "b", pathPrefix: "/b" }),
      /revision "web@1" is already listed by route "web\/prod"/,
    ],
  ])("refuses %s, naming the field", (_what, mutate, message) => {
    const table = valid();
    const changed = mutate(table);
    const input =
      typeof changed === "object" && changed !== null && "generation" in changed ? changed : table;
    const result = parseRouteTable(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });
});
