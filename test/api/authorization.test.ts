import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "../../src/core/access/roles.js";
import { ACTION_RULES } from "../../src/core/access/actions.js";
import { ROUTES } from "../../src/core/access/routes.js";
import { API_ROUTES } from "../../src/server/routes/index.js";
import { ACCESS_YAML, startApi, startWorld, type ApiHarness, type World } from "./support.js";

type Who = "anonymous" | Role;

/**
 * Every declared route with a request that passes validation, the least role it needs (written by
 * hand, so a change to ACTION_RULES or ROUTES must be made twice), and what an allowed caller gets.
 */
const CASES: Record<
  string,
  { least: "public" | Role; path?: string; body?: unknown; allowed: number; anonymous?: number }
> = {
  "GET /api/health": { least: "public", allowed: 200 },
  "GET /api/openapi.json": { least: "public", allowed: 200 },
  "POST /api/session": { least: "public", body: { username: "nobody", password: "wrong" }, allowed: 401 },
  "GET /api/session": { least: "public", allowed: 401 }, // tokens have no session
  "DELETE /api/session": { least: "public", allowed: 200 },
  "GET /api/status": { least: "viewer", allowed: 200 },
  "GET /api/services": { least: "viewer", allowed: 200 },
  "GET /api/environments": { least: "viewer", allowed: 200 },
  "GET /api/releases": { least: "viewer", allowed: 200 },
  "GET /api/rollouts": { least: "viewer", allowed: 200 },
  "GET /api/rollouts/:id": { least: "viewer", path: "/api/rollouts/r-404", allowed: 404 },
  "GET /api/events": { least: "viewer", allowed: 200 },
  "GET /api/history": { least: "viewer", allowed: 200 },
  "POST /api/deployments": {
    least: "deployer",
    body: { service: "nope", environment: "staging", version: "v1" },
    allowed: 404,
  },
  "POST /api/previews": {
    least: "deployer",
    body: { service: "nope", environment: "staging", version: "v1" },
    allowed: 404,
  },
  "POST /api/rollbacks": {
    least: "deployer",
    body: { service: "web", environment: "staging", reason: "matrix" },
    allowed: 409,
  },
  "POST /api/rollouts/:id/promote": { least: "deployer", path: "/api/rollouts/r-404/promote", allowed: 404 },
  "POST /api/rollouts/:id/abort": { least: "deployer", path: "/api/rollouts/r-404/abort", allowed: 404 },
  "POST /api/rollouts/:id/approve": { least: "deployer", path: "/api/rollouts/r-404/approve", allowed: 404 },
  "POST /api/rollouts/:id/reject": { least: "deployer", path: "/api/rollouts/r-404/reject", allowed: 404 },
  "GET /api/tokens": { least: "admin", allowed: 200 },
  "POST /api/tokens": { least: "admin", body: { name: "matrix", role: "viewer" }, allowed: 201 },
  "DELETE /api/tokens/:id": { least: "admin", path: "/api/tokens/000000000000", allowed: 404 },
  "GET /api/users": { least: "admin", allowed: 200 },
  "POST /api/users": {
    least: "admin",
    body: { name: "matrix", password: "short", role: "viewer" },
    allowed: 400,
  },
  "DELETE /api/users/:id": { least: "admin", path: "/api/users/nobody", allowed: 404 },
};

const RANK: Record<Who, number> = { anonymous: -1, viewer: 0, deployer: 1, admin: 2 };

/**
 * Routes of other areas' modules (runs, webhooks, dead letters, delivery) that CASES does not
 * describe: their denials are checked from ROUTES and ACTION_RULES, and allowed GETs must pass
 * authorization; allowed mutations are left to their owners' tests (they would trigger real work).
 */
const others = API_ROUTES.filter((r) => !(`${r.method} ${r.path}` in CASES)).map((r) => {
  const action = ROUTES.find((p) => p.method === r.method && p.path === r.path)?.action ?? "public";
  const least: "public" | Role = action === "public" ? "public" : ACTION_RULES[action].minimumRole;
  return {
    key: `${r.method} ${r.path}`,
    method: r.method,
    path: r.path.replace(/:[A-Za-z_]+/g, "x-404"),
    least,
  };
});

let world: World;
let api: ApiHarness;
const tokens: Partial<Record<Who, string>> = {};

beforeAll(async () => {
  world = await startWorld({}, ACCESS_YAML);
  api = await startApi(world);
  for (const role of ["viewer", "deployer", "admin"] as const) tokens[role] = (await api.token(role)).token;
}, 60_000);

afterAll(async () => {
  await api?.close();
  await world?.close();
});

/** Sends the case's request; for the event stream, only waits for the status. */
async function send(key: string, who: Who): Promise<{ status: number; message?: string }> {
  const [method = "GET", pattern = "/"] = key.split(" ");
  const c = CASES[key]!;
  const token = tokens[who];
  if (pattern === "/api/events") {
    const abort = new AbortController();
    const res = await fetch(`${api.base}${pattern}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: abort.signal,
    });
    abort.abort();
    return { status: res.status };
  }
  const res = await api.call(method, c.path ?? pattern, {
    ...(token ? { token } : {}),
    ...(c.body !== undefined ? { body: c.body } : {}),
  });
  return { status: res.status, ...(res.json.error ? { message: res.json.error.message } : {}) };
}

describe("authorization matrix through real HTTP: every route × anonymous, viewer, deployer, admin", () => {
  it("covers every declared route", () => {
    const declared = new Set(API_ROUTES.map((r) => `${r.method} ${r.path}`));
    expect(Object.keys(CASES).filter((k) => !declared.has(k))).toEqual([]);
    for (const key of Object.keys(CASES)) {
      const least = CASES[key]!.least;
      const action = ROUTES.find((r) => `${r.method} ${r.path}` === key)?.action;
      expect(action === "public", key).toBe(least === "public");
    }
  });

  const rows = Object.keys(CASES).flatMap((key) =>
    (["anonymous", "viewer", "deployer", "admin"] as const).map((who) => {
      const c = CASES[key]!;
      const want =
        c.least === "public"
          ? c.allowed
          : who === "anonymous"
            ? 401
            : RANK[who] >= RANK[c.least]
              ? c.allowed
              : 403;
      return { key, who, want };
    }),
  );

  it.each(rows)("$key as $who → $want", { timeout: 20_000 }, async ({ key, who, want }) => {
    const res = await send(key, who);
    expect(res.status, res.message).toBe(want);
    if (want === 403 && CASES[key]!.least !== "public") expect(res.message).toMatch(/needs the \w+ role/);
  });
});

describe.runIf(others.length > 0)("other areas' routes: denials from ROUTES", () => {
  const rows = others.flatMap((o) =>
    (["anonymous", "viewer", "deployer", "admin"] as const).map((who) => ({ ...o, who })),
  );
  it.each(rows)("$key as $who", { timeout: 20_000 }, async ({ method, path, least, who }) => {
    const token = tokens[who];
    const denied = least !== "public" && RANK[who] < RANK[least];
    if (!denied && (method !== "GET" || path === "/api/events")) return; // an allowed mutation: owner's test
    const res = await api.call(method, path, token ? { token } : {});
    if (denied) expect(res.status).toBe(who === "anonymous" ? 401 : 403);
    else expect([401, 403]).not.toContain(res.status);
    expect(res.status).toBeLessThan(500);
  });
});

describe("per-environment rules", () => {
  it("a viewer token with deployer on staging deploys to staging, not to production", async () => {
    const ci = await api.token("viewer", "ci-staging", { staging: "deployer" });
    const body = { service: "nope", version: "v1" };
    const staging = await api.call("POST", "/api/deployments", {
      token: ci.token,
      body: { ...body, environment: "staging" },
    });
    expect(staging.status).toBe(404); // past authorization: the service does not exist
    const production = await api.call("POST", "/api/deployments", {
      token: ci.token,
      body: { ...body, environment: "production" },
    });
    expect(production.status).toBe(403);
    expect(production.json.error?.message).toBe(
      "deploy in production needs the deployer role; ci-staging is viewer",
    );
  });

  it("environments.locked.access.deploy: admin refuses deployers and lets admins through", async () => {
    const body = { service: "nope", environment: "locked", version: "v1" };
    const deployer = await api.call("POST", "/api/deployments", { token: tokens.deployer!, body });
    expect(deployer.status).toBe(403);
    expect(deployer.json.error?.message).toMatch(/^deploy in locked needs the admin role/);
    const admin = await api.call("POST", "/api/deployments", { token: tokens.admin!, body });
    expect(admin.status).toBe(404);
  });

  it("answers 401 for a malformed, unknown or revoked token, never anonymous", async () => {
    const bad = await api.call("GET", "/api/status", { headers: { authorization: "Bearer nope" } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toBe('Bearer realm="slipway"');
    const revoked = await api.token("viewer", "short-lived");
    const revoke = await api.call("DELETE", `/api/tokens/slp_${revoked.id}…`, { token: tokens.admin! });
    expect(revoke.status).toBe(200);
    const after = await api.call("GET", "/api/status", { token: revoked.token });
    expect(after.status).toBe(401);
    expect(after.json.error?.message).toBe(`token slp_${revoked.id}… was revoked`);
  });

  it("validates input only for callers who may call the route (401 before 400)", async () => {
    const anonymous = await api.call("POST", "/api/deployments", { body: "{" });
    expect(anonymous.status).toBe(401);
    const viewer = await api.call("POST", "/api/deployments", { token: tokens.viewer!, body: {} });
    expect(viewer.status).toBe(403);
    const deployer = await api.call("POST", "/api/deployments", {
      token: tokens.deployer!,
      body: { service: "web" },
    });
    expect(deployer.status).toBe(400);
    expect(deployer.json.error?.problems).toEqual([
      "environment: Invalid input: expected string, received undefined",
      "version: Invalid input: expected string, received undefined",
    ]);
  });
});
