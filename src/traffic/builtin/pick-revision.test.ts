import { describe, expect, it } from "vitest";
import { compileTable, hostOf, matchRoute, pathOf, pickRevision, prefixMatches } from "./pick-revision.js";
import { newPreviewKey, previewToken } from "../preview-token.js";
import { DEFAULT_TRAFFIC_POLICY, type CanaryRouting, type Route } from "../../core/traffic/index.js";

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
  it("follows a signed preview token first, then the weights", () => {
    const key = newPreviewKey();
    const [compiled] = compileTable({
      generation: 1,
      routes: [{ ...route("web", [], "/", [1, 0]), preview: { key } }],
    }).anyHost;
    const facts = (headers: Record<string, string>) => ({ host: "", path: "/", headers });
    expect(pickRevision(compiled!, facts({}))).toMatchObject({
      kind: "revision",
      reason: "weight",
      revision: { id: "web@1" },
    });
    expect(
      pickRevision(compiled!, facts({ "x-slipway-revision": previewToken(key, "web@2") })),
    ).toMatchObject({
      kind: "revision",
      reason: "preview",
      revision: { id: "web@2" },
    });
  });

  it.each([
    ["the bare revision id", () => "web@2"],
    ["a token under another key", () => previewToken(newPreviewKey(), "web@2")],
    [
      "a token with one character changed",
      (key: string) => previewToken(key, "web@2").replace(/^./, (c) => (c === "A" ? "B" : "A")),
    ],
    ["a token for a revision not on the route", (key: string) => previewToken(key, "web@7")],
  ])("routes %s by weight, as if no header were sent", (_, value) => {
    const key = newPreviewKey();
    const [compiled] = compileTable({
      generation: 1,
      routes: [{ ...route("web", [], "/", [1, 0]), preview: { key } }],
    }).anyHost;
    expect(
      pickRevision(compiled!, { host: "", path: "/", headers: { "x-slipway-revision": value(key) } }),
    ).toMatchObject({
      kind: "revision",
      reason: "weight",
      revision: { id: "web@1" },
    });
  });

  it("ignores even a valid token on a route with preview off", () => {
    const key = newPreviewKey();
    const [compiled] = compileTable({ generation: 1, routes: [route("web", [], "/", [1, 0])] }).anyHost;
    const headers = { "x-slipway-revision": previewToken(key, "web@2") };
    expect(pickRevision(compiled!, { host: "", path: "/", headers })).toMatchObject({ reason: "weight" });
  });

  it("reports no-weight when every weight is 0", () => {
    const [compiled] = compileTable({ generation: 1, routes: [route("web", [], "/", [0])] }).anyHost;
    expect(pickRevision(compiled!, { host: "", path: "/", headers: {} })).toEqual({ kind: "no-weight" });
  });
});

describe("pickRevision with a canary", () => {
  // web@1 stable at 90, web@2 canary at 10, web@3 listed at weight 0.
  const key = newPreviewKey();
  const canaryRoute = (canary: CanaryRouting, weights = [90, 10, 0]) =>
    compileTable({
      generation: 1,
      routes: [{ ...route("web", [], "/", weights), canary, preview: { key } }],
    }).anyHost[0]!;
  const full: CanaryRouting = {
    revision: "web@2",
    header: { name: "X-Canary", value: "always" },
    cookie: { name: "canary", value: "yes" },
    sticky: { cookie: "rev", maxAgeS: 600 },
  };
  const facts = (headers: Record<string, string | string[]>) => ({ host: "", path: "/", headers });
  const pickOf = (compiled: ReturnType<typeof canaryRoute>, headers: Record<string, string | string[]>) => {
    const pick = pickRevision(compiled, facts(headers));
    return pick.kind === "revision"
      ? { id: pick.revision.id, reason: pick.reason, setCookie: pick.setCookie }
      : pick;
  };

  it.each<[string, Record<string, string>, { id: string; reason: string }]>([
    [
      "a signed preview header beats everything",
      {
        "x-slipway-revision": previewToken(key, "web@3"),
        "x-canary": "always",
        cookie: "canary=yes; rev=web@1",
      },
      { id: "web@3", reason: "preview" },
    ],
    [
      "the canary header (any case of its name)",
      { "x-canary": "always", cookie: "rev=web@1" },
      { id: "web@2", reason: "header" },
    ],
    [
      "the canary cookie among others",
      { cookie: 'a=1; canary="yes"; rev=web@1' },
      { id: "web@2", reason: "cookie" },
    ],
    ["a valid sticky assignment", { cookie: "a=1; rev=web@1" }, { id: "web@1", reason: "sticky" }],
    ["a sticky assignment to the canary", { cookie: "rev=web@2" }, { id: "web@2", reason: "sticky" }],
  ])("%s", (_what, headers, expected) => {
    expect(pickOf(canaryRoute(full), headers)).toEqual({ ...expected, setCookie: undefined });
  });

  it("ignores a header or cookie with another value than the one asked for", () => {
    const compiled = canaryRoute(full);
    const pick = pickOf(compiled, { "x-canary": "never", cookie: "canary=no; rev=web@1" });
    expect(pick).toMatchObject({ id: "web@1", reason: "sticky" });
  });

  it("matches any value when the routing gives none", () => {
    const compiled = canaryRoute({ revision: "web@2", header: { name: "x-t" }, cookie: { name: "c" } });
    expect(pickOf(compiled, { "x-t": "" })).toMatchObject({ id: "web@2", reason: "header" });
    expect(pickOf(compiled, { cookie: "c=whatever" })).toMatchObject({ id: "web@2", reason: "cookie" });
  });

  it("sends testers to the canary even at weight 0", () => {
    const compiled = canaryRoute(full, [100, 0, 0]);
    expect(pickOf(compiled, { "x-canary": "always" })).toMatchObject({ id: "web@2", reason: "header" });
  });

  it("assigns by weight without a valid assignment, exactly 90/10, each with its Set-Cookie", () => {
    const compiled = canaryRoute(full);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) {
      const pick = pickOf(compiled, i % 2 === 0 ? {} : { cookie: "other=1" });
      expect(pick).toMatchObject({ reason: "weight" });
      if (!("id" in pick)) throw new Error("no revision");
      expect(pick.setCookie).toBe(`rev=${pick.id}; Max-Age=600; Path=/; HttpOnly; SameSite=Lax`);
      counts[pick.id] = (counts[pick.id] ?? 0) + 1;
    }
    expect(counts).toEqual({ "web@1": 900, "web@2": 100 });
  });

  it.each([
    ["a revision no longer in the route", "rev=web@9"],
    ["a revision at weight 0", "rev=web@3"],
    ["an empty assignment", "rev="],
  ])("re-picks and rewrites the cookie for %s", (_what, cookie) => {
    const pick = pickOf(canaryRoute(full), { cookie });
    expect(pick).toMatchObject({
      id: "web@1",
      reason: "weight",
      setCookie: "rev=web@1; Max-Age=600; Path=/; HttpOnly; SameSite=Lax",
    });
  });

  it("without sticky, assigns by weight and sets no cookie; without a canary, ignores cookies", () => {
    const noSticky = canaryRoute({ revision: "web@2" });
    expect(pickOf(noSticky, { cookie: "rev=web@2" })).toEqual({
      id: "web@1",
      reason: "weight",
      setCookie: undefined,
    });
    const [plain] = compileTable({ generation: 1, routes: [route("web", [], "/", [90, 10])] }).anyHost;
    expect(plain!.canary).toBeUndefined();
    expect(pickOf(plain!, { cookie: "rev=web@2", "x-canary": "always" })).toEqual({
      id: "web@1",
      reason: "weight",
      setCookie: undefined,
    });
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

describe("pickRevision with a canary header named like an Object.prototype member", () => {
  it.each(["constructor", "toString", "__proto__"])(
    "a request without header %s is routed by weight",
    (name) => {
      const [compiled] = compileTable({
        generation: 1,
        routes: [{ ...route("web", [], "/", [1, 0]), canary: { revision: "web@2", header: { name } } }],
      }).anyHost;
      expect(pickRevision(compiled!, { host: "", path: "/", headers: {} })).toMatchObject({
        reason: "weight",
      });
    },
  );
});
