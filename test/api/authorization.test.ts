import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "../../src/core/access/roles.js";
import { ACTION_RULES } from "../../src/core/access/actions.js";
import { ROUTES } from "../../src/core/access/routes.js";
import { API_ROUTES } from "../../src/server/routes/index.js";
import { ACCESS_YAML, startApi, startWorld, type ApiHarness, type ApiJson, type World } from "./support.js";

type Who = "anonymous" | Role;

/**
 * Every declared route with a request that passes validation, the least role it needs (written by
 * hand, so a change to ACTION_RULES or ROUTES must be made twice), and what an allowed caller gets.
 */
const CASES: Record<
  string,
  {
    /** `runner`: only a runner token may (every role is refused; checked with one below). */
    least: "public" | Role | "runner";
    path?: string;
    body?: unknown;
    allowed: number;
    /** Error code of the allowed answer when ALLOWED_CODE's (by status) does not fit. */
    code?: string;
    anonymous?: number;
    /** Answers in another protocol's shape (OFREP): no API error code to check. */
    foreign?: true;
  }
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
  "GET /api/rollouts/:id/series": { least: "viewer", path: "/api/rollouts/r-404/series", allowed: 404 },
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
  // Other areas' mutations, sent so that they pass authorization and then stop short of real work.
  // The test project is no git repository: refused before any workflow is looked up.
  "POST /api/runs": { least: "deployer", body: { workflow: "nope.yml" }, allowed: 400 },
  "POST /api/runs/:id/cancel": { least: "deployer", path: "/api/runs/run-404/cancel", allowed: 404 },
  "POST /api/runs/:id/rerun": { least: "deployer", path: "/api/runs/run-404/rerun", allowed: 404 },
  "POST /api/runs/:id/jobs/:job/approve": {
    least: "deployer",
    path: "/api/runs/run-404/jobs/deploy/approve",
    body: { verdict: "approve" },
    allowed: 404,
  },
  // Authenticated by its signature, not a token; this server has no webhook secret, so it refuses all.
  "POST /api/webhooks/github": {
    least: "public",
    body: { zen: "matrix" },
    allowed: 503,
    code: "SLIPWAY_UNAVAILABLE",
  },
  "GET /api/releases/:service/:version/evidence": {
    least: "viewer",
    path: "/api/releases/web/v404/evidence",
    allowed: 200,
  },
  // A report for a service slipway.yaml does not have: refused past authorization, nothing recorded.
  "POST /api/releases/:service/:version/evidence": {
    least: "deployer",
    path: "/api/releases/nope/v1/evidence",
    body: { file: "lcov.info", content: "SF:a.js\nLF:1\nLH:1\nend_of_record\n" },
    allowed: 404,
  },
  "GET /api/flags/stream": { least: "viewer", allowed: 200 },
  "GET /api/flags/document": { least: "viewer", allowed: 200 },
  // An invalid flag: refused past authorization, nothing changes.
  "PUT /api/flags/:key": {
    least: "deployer",
    path: "/api/flags/matrix",
    body: { flag: { state: "ON", variants: { a: 1 } }, reason: "matrix" },
    allowed: 422,
    code: "SLIPWAY_INVALID_FLAGS",
  },
  "POST /api/flags/:key/state": {
    least: "deployer",
    path: "/api/flags/x-404/state",
    body: { state: "ENABLED", reason: "matrix" },
    allowed: 404,
  },
  "DELETE /api/flags/:key": { least: "deployer", path: "/api/flags/x-404?reason=matrix", allowed: 404 },
  "GET /api/channels": { least: "viewer", allowed: 200 },
  "GET /api/channels/:name": { least: "viewer", path: "/api/channels/nope", allowed: 404 },
  "POST /api/channels/:name/moves": {
    least: "deployer",
    path: "/api/channels/nope/moves",
    body: { service: "web", version: "v1", reason: "matrix" },
    allowed: 404,
  },
  "POST /api/channels/:name/rollback": {
    least: "deployer",
    path: "/api/channels/nope/rollback",
    body: { service: "web", reason: "matrix" },
    allowed: 404,
  },
  "PUT /api/assets/:name/aliases/:alias": {
    least: "deployer",
    path: "/api/assets/nope/aliases/stable",
    body: { version: "1.0.0", reason: "matrix" },
    allowed: 404,
  },
  "POST /api/assets/:name/aliases/:alias/rollback": {
    least: "deployer",
    path: "/api/assets/nope/aliases/stable/rollback",
    body: { reason: "matrix" },
    // Nothing to roll back to: the alias has no move (409, as for a published name).
    allowed: 409,
  },
  "POST /ofrep/v1/evaluate/flags": { least: "viewer", body: {}, allowed: 200 },
  "POST /ofrep/v1/evaluate/flags/:key": {
    least: "viewer",
    path: "/ofrep/v1/evaluate/flags/x-404",
    body: {},
    allowed: 404,
    foreign: true,
  },
  // The providers' events: any token (and client keys); an empty batch records nothing.
  "POST /api/flags/events": { least: "viewer", body: { events: [] }, allowed: 202 },
  "POST /api/experiments": {
    least: "deployer",
    body: { key: "matrix", flag: "x-404", metrics: [{ event: "p", kind: "conversion" }], reason: "matrix" },
    allowed: 404,
  },
  "POST /api/experiments/:key/start": {
    least: "deployer",
    path: "/api/experiments/x-404/start",
    body: { reason: "matrix" },
    allowed: 404,
  },
  "POST /api/experiments/:key/stop": {
    least: "deployer",
    path: "/api/experiments/x-404/stop",
    body: { reason: "matrix" },
    allowed: 404,
  },
  "POST /api/experiments/:key/ship": {
    least: "deployer",
    path: "/api/experiments/x-404/ship",
    body: { variant: "on", reason: "matrix" },
    allowed: 404,
  },
  "POST /api/dead-letters/:id/resend": {
    least: "deployer",
    path: "/api/dead-letters/dl-404/resend",
    allowed: 404,
  },
  // The runner API: a runner token gets past authorization, to a server without a job queue.
  "POST /api/runner/claim": { least: "runner", body: { labels: ["x"], waitMs: 0 }, allowed: 503 },
  "POST /api/runner/jobs/:id/source": { least: "runner", path: "/api/runner/jobs/j-404/source", allowed: 503 },
  "POST /api/runner/jobs/:id/artifacts": { least: "runner", path: "/api/runner/jobs/j-404/artifacts", allowed: 503 },
  "POST /api/runner/jobs/:id/heartbeat": {
    least: "runner",
    path: "/api/runner/jobs/j-404/heartbeat",
    body: { events: [], stored: [] },
    allowed: 503,
  },
  "PUT /api/runner/jobs/:id/files": { least: "runner", path: "/api/runner/jobs/j-404/files", allowed: 503 },
  "POST /api/runner/jobs/:id/finish": {
    least: "runner",
    path: "/api/runner/jobs/j-404/finish",
    body: { result: { conclusion: "success" } },
    allowed: 503,
  },
  "POST /api/runner/jobs/:id/cache/lookup": {
    least: "runner",
    path: "/api/runner/jobs/j-404/cache/lookup",
    body: { key: "deps", restoreKeys: [], version: "0123456789abcdef" },
    allowed: 503,
  },
  "POST /api/runner/jobs/:id/cache/entries/:entry": {
    least: "runner",
    path: `/api/runner/jobs/j-404/cache/entries/${"0".repeat(32)}`,
    allowed: 503,
  },
};

const RANK: Record<Who, number> = { anonymous: -1, viewer: 0, deployer: 1, admin: 2 };

/**
 * GET routes of other areas' modules (runs, dead letters, delivery) that CASES does not describe:
 * their denials are checked from ROUTES and ACTION_RULES, and allowed callers must get past
 * authorization. Every mutation has its row in CASES (the first test checks), so none goes unasserted.
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
async function send(key: string, who: Who): Promise<Answer> {
  const [method = "GET", pattern = "/"] = key.split(" ");
  const c = CASES[key]!;
  const token = tokens[who];
  if (pattern === "/api/events" || pattern === "/api/flags/stream") {
    const abort = new AbortController();
    const res = await fetch(`${api.base}${pattern}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: abort.signal,
    });
    if (res.ok) {
      abort.abort();
      return { status: res.status, json: undefined };
    }
    const error = ((await res.json()) as ApiJson).error;
    return {
      status: res.status,
      json: { error },
      ...(error ? { code: error.code, message: error.message } : {}),
    };
  }
  const res = await api.call(method, c.path ?? pattern, {
    ...(token ? { token } : {}),
    ...(c.body !== undefined ? { body: c.body } : {}),
  });
  return {
    status: res.status,
    ...(res.json.error ? { code: res.json.error.code, message: res.json.error.message } : {}),
    json: res.json,
    setCookie: res.headers.get("set-cookie"),
  };
}

/** Error code an answer with this status carries (the API maps one to the other). */
const DENIAL_CODE: Record<number, string> = { 401: "SLIPWAY_UNAUTHENTICATED", 403: "SLIPWAY_FORBIDDEN" };

/** Error code of an allowed caller's error answer: the route's own refusal, past authorization. */
const ALLOWED_CODE: Record<number, string> = {
  400: "SLIPWAY_INVALID_ARGUMENT",
  401: "SLIPWAY_UNAUTHENTICATED",
  404: "SLIPWAY_NOT_FOUND",
  409: "SLIPWAY_CONFLICT",
};

/**
 * Allowed mutations whose request really changes something: the change must be visible (the
 * others are refused past authorization, e.g. 404 for an unknown id, and change nothing).
 */
const EFFECTS: Record<string, (res: Answer, who: Who) => Promise<void>> = {
  "POST /api/tokens": async (res, who) => {
    const created = (res.json as { record?: { id?: string; createdBy?: string } }).record;
    const list = await api.call<{ tokens: { id: string; name: string; role: string }[] }>(
      "GET",
      "/api/tokens",
      { token: tokens.admin! },
    );
    expect(list.json.tokens.find((t) => t.id === created?.id)).toMatchObject({
      name: "matrix",
      role: "viewer",
    });
    expect(created?.createdBy).toEqual(expect.stringContaining(who));
  },
  "DELETE /api/session": (res) => {
    expect(res.setCookie).toMatch(/Max-Age=0/);
    return Promise.resolve();
  },
};

interface Answer {
  status: number;
  code?: string;
  message?: string;
  json: unknown;
  setCookie?: string | null;
}

describe("authorization matrix through real HTTP: every route × anonymous, viewer, deployer, admin", () => {
  it("covers every declared route", () => {
    const declared = new Set(API_ROUTES.map((r) => `${r.method} ${r.path}`));
    expect(Object.keys(CASES).filter((k) => !declared.has(k))).toEqual([]);
    expect(others.filter((o) => o.method !== "GET").map((o) => o.key)).toEqual([]);
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
            : c.least !== "runner" && RANK[who] >= RANK[c.least]
              ? c.allowed
              : 403;
      return { key, who, want };
    }),
  );

  it.each(rows)("$key as $who → $want", { timeout: 20_000 }, async ({ key, who, want }) => {
    const res = await send(key, who);
    expect(res.status, res.message).toBe(want);
    const denied = CASES[key]!.least !== "public" && (want === 401 || want === 403);
    if (denied) {
      expect(res.code).toBe(DENIAL_CODE[want]);
      if (want === 403)
        expect(res.message).toMatch(CASES[key]!.least === "runner" ? /needs a runner token/ : /needs the \w+ role/);
      return;
    }
    // Allowed: past authorization, an error answer is the route's own refusal.
    if (want >= 400 && !CASES[key]!.foreign)
      expect(res.code, res.message).toBe(CASES[key]!.code ?? ALLOWED_CODE[want]);
    else expect(res.code).toBeUndefined();
    await EFFECTS[key]?.(res, who);
  });
});

describe("runner tokens (scope runner)", () => {
  it("get past authorization on the runner API only", async () => {
    const created = await api.call<{ token: string }>("POST", "/api/tokens", {
      token: tokens.admin!,
      body: { name: "build-hosts", scope: "runner" },
    });
    expect(created.status).toBe(201);
    const runner = created.json.token;
    for (const [key, c] of Object.entries(CASES).filter(([, c]) => c.least === "runner")) {
      const [method = "POST", pattern = "/"] = key.split(" ");
      const res = await api.call(method, c.path ?? pattern, {
        token: runner,
        ...(c.body !== undefined ? { body: c.body } : {}),
      });
      // This server runs jobs itself: the route says so, after authorization.
      expect({ key, status: res.status, code: res.json.error?.code }).toEqual({
        key,
        status: 503,
        code: "SLIPWAY_UNAVAILABLE",
      });
    }
    const status = await api.call("GET", "/api/status", { token: runner });
    expect(status.status).toBe(403);
    expect(status.json.error?.message).toMatch(/is a runner token \(scope runner\): it can only take workflow jobs/);
  });
});

describe.runIf(others.length > 0)("other areas' routes: denials from ROUTES", () => {
  const rows = others.flatMap((o) =>
    (["anonymous", "viewer", "deployer", "admin"] as const).map((who) => ({ ...o, who })),
  );
  it.each(rows)("$key as $who", { timeout: 20_000 }, async ({ method, path, least, who }) => {
    const token = tokens[who];
    const denied = least !== "public" && RANK[who] < RANK[least];
    const res = await api.call(method, path, token ? { token } : {});
    if (denied) {
      const status = who === "anonymous" ? 401 : 403;
      expect(res.status).toBe(status);
      expect(res.json.error?.code).toBe(DENIAL_CODE[status]);
    } else {
      expect([401, 403]).not.toContain(res.status);
      expect(res.status).toBeLessThan(500);
    }
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
