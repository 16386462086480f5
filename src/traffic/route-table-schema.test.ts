import { describe, expect, it } from "vitest";
import { DEFAULT_TRAFFIC_POLICY, type RouteTable } from "../core/traffic/index.js";
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

  it("accepts canary routing with header, cookie and sticky assignment", () => {
    const table = valid();
    table.routes[0]!.revisions.push({ id: "web@2", weight: 0, instances: [] });
    table.routes[0]!.canary = {
      revision: "web@2",
      header: { name: "X-Canary", value: "always on" },
      cookie: { name: "slipway-canary", value: "yes" },
      sticky: { cookie: "slipway-rev-web", maxAgeS: 86_400 },
    };
    expect(parseRouteTable(table)).toEqual({ ok: true, table });
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
    [
      "a canary revision the route does not list",
      (t) => (t.routes[0]!.canary = { revision: "web@9" }),
      /routes\.0\.canary\.revision: canary revision "web@9" is not one of the route's revisions/,
    ],
    [
      "a canary header name that is not a token",
      (t) => (t.routes[0]!.canary = { revision: "web@1", header: { name: "x canary" } }),
      /routes\.0\.canary\.header\.name: must be a token/,
    ],
    [
      "a canary header value with a line break",
      (t) => (t.routes[0]!.canary = { revision: "web@1", header: { name: "x-canary", value: "a\r\nb" } }),
      /routes\.0\.canary\.header\.value: must be printable text/,
    ],
    [
      "a canary cookie name that is not a token",
      (t) => (t.routes[0]!.canary = { revision: "web@1", cookie: { name: "a=b" } }),
      /routes\.0\.canary\.cookie\.name: must be a token/,
    ],
    [
      "a canary cookie value with a semicolon",
      (t) => (t.routes[0]!.canary = { revision: "web@1", cookie: { name: "c", value: "a;b" } }),
      /routes\.0\.canary\.cookie\.value: must be a cookie value/,
    ],
    [
      "a sticky cookie name that is not a token",
      (t) => (t.routes[0]!.canary = { revision: "web@1", sticky: { cookie: "", maxAgeS: 60 } }),
      /routes\.0\.canary\.sticky\.cookie: must be a token/,
    ],
    [
      "a sticky max age of 0",
      (t) => (t.routes[0]!.canary = { revision: "web@1", sticky: { cookie: "rev", maxAgeS: 0 } }),
      /routes\.0\.canary\.sticky\.maxAgeS:/,
    ],
    [
      "a sticky cookie named like the canary cookie",
      (t) =>
        (t.routes[0]!.canary = {
          revision: "web@1",
          cookie: { name: "c" },
          sticky: { cookie: "c", maxAgeS: 60 },
        }),
      /routes\.0\.canary\.sticky\.cookie: the sticky cookie must differ/,
    ],
    [
      "an unknown canary field",
      (t) => (t.routes[0]!.canary = { revision: "web@1", weight: 5 } as never),
      /routes\.0\.canary: Unrecognized key/,
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
