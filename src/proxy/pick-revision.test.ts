import { describe, expect, it } from "vitest";
import { compileTable, hostOf, matchRoute, pathOf, pickRevision, prefixMatches } from "./pick-revision.js";
import { DEFAULT_TRAFFIC_POLICY, type Route } from "./route-table.js";

const route = (id: string, hosts: string[], pathPrefix: string, weights: number[] = [1]): Route => ({
  id,
  hosts,
  pathPrefix,
  revisions: weights.map((weight, i) => ({ id: `${id}@${i + 1}`, weight, instances: [] })),
  policy: DEFAULT_TRAFFIC_POLICY,
});

describe("matchRoute", () => {
  const table = compileTable({
    generation: 1,
    routes: [
      route("web", ["shop.test"], "/"),
      route("api", ["shop.test"], "/api"),
      route("v2", ["shop.test"], "/api/v2/"),
      route("any", [], "/"),
    ],
  });
  it.each([
    ["shop.test", "/", "web"],
    ["shop.test", "/api", "api"],
    ["shop.test", "/api/orders", "api"],
    ["shop.test", "/apiary", "web"],
    ["shop.test", "/api/v2/x", "v2"],
    ["other.test", "/api", "any"],
    ["", "/", "any"],
  ])("%s%s → %s", (host, path, expected) => {
    expect(matchRoute(table, host, path)?.route.id).toBe(expected);
  });

  it("returns nothing when no route fits", () => {
    const onlyHost = compileTable({ generation: 1, routes: [route("web", ["a.test"], "/")] });
    expect(matchRoute(onlyHost, "b.test", "/")).toBeUndefined();
  });
});

describe("pickRevision", () => {
  it("follows the preview header first, then the weights", () => {
    const [compiled] = compileTable({ generation: 1, routes: [route("web", [], "/", [1, 0])] }).anyHost;
    const facts = (headers: Record<string, string>) => ({ host: "", path: "/", headers });
    expect(pickRevision(compiled!, facts({}))).toMatchObject({
      kind: "revision",
      reason: "weight",
      revision: { id: "web@1" },
    });
    expect(pickRevision(compiled!, facts({ "x-slipway-revision": "web@2" }))).toMatchObject({
      kind: "revision",
      reason: "preview",
      revision: { id: "web@2" },
    });
    expect(pickRevision(compiled!, facts({ "x-slipway-revision": "web@7" }))).toEqual({
      kind: "unknown-revision",
      requested: "web@7",
    });
  });

  it("reports no-weight when every weight is 0", () => {
    const [compiled] = compileTable({ generation: 1, routes: [route("web", [], "/", [0])] }).anyHost;
    expect(pickRevision(compiled!, { host: "", path: "/", headers: {} })).toEqual({ kind: "no-weight" });
  });
});

describe("request facts", () => {
  it("normalises hosts and paths", () => {
    expect(hostOf("Shop.TEST:8080")).toBe("shop.test");
    expect(hostOf("[::1]:80")).toBe("[::1]");
    expect(hostOf(undefined)).toBe("");
    expect(pathOf("/a/b?c=1")).toBe("/a/b");
    expect(prefixMatches("/api/", "/api/x")).toBe(true);
    expect(prefixMatches("/api", "/apix")).toBe(false);
  });
});
