import { createHash } from "node:crypto";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../src/auth/accounts.js";
import { TokenBucketLimiter } from "../../src/auth/rate-limit.js";
import { API_ROUTES } from "../../src/server/routes/index.js";
import { ACCESS_YAML, startApi, startWorld, type ApiHarness, type ApiJson, type World } from "./support.js";

let world: World;
let api: ApiHarness;
let admin: string;
const webRoot = mkdtempSync(join(tmpdir(), "slipway-web-"));

beforeAll(async () => {
  world = await startWorld({}, ACCESS_YAML);
  mkdirSync(join(webRoot, "assets"));
  writeFileSync(join(webRoot, "index.html"), "<!doctype html><title>Slipway</title>");
  writeFileSync(join(webRoot, "assets", "index-B1a2C3d4.js"), "console.log('dashboard')");
  writeFileSync(join(webRoot, "favicon.svg"), "<svg/>");
  api = await startApi(world, { webRoot });
  admin = (await api.token("admin")).token;
  await createUser(api.app.access, {
    name: "alice",
    password: "correct horse battery",
    role: "deployer",
    now: Date.now(),
    scrypt: { N: 1024, r: 8, p: 1 },
  });
}, 60_000);

afterAll(async () => {
  await api?.close();
  await world?.close();
  rmSync(webRoot, { recursive: true, force: true });
});

async function signIn(): Promise<{ cookie: string; csrfToken: string; setCookie: string }> {
  const res = await api.call<{ csrfToken: string; user: { name: string; role: string } }>(
    "POST",
    "/api/session",
    {
      body: { username: "alice", password: "correct horse battery" },
    },
  );
  expect(res.status).toBe(200);
  expect(res.json.user).toMatchObject({ name: "alice", role: "deployer" });
  const setCookie = res.headers.get("set-cookie") ?? "";
  return { cookie: setCookie.split(";")[0] ?? "", csrfToken: res.json.csrfToken, setCookie };
}

describe("dashboard sessions", () => {
  it("signs in with a HttpOnly, SameSite=Strict cookie and answers GET /api/session with the CSRF token", async () => {
    const { cookie, csrfToken, setCookie } = await signIn();
    expect(setCookie).toMatch(
      /^slipway_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/,
    );
    const current = await api.call<{ csrfToken: string; user: { name: string } }>("GET", "/api/session", {
      headers: { cookie },
    });
    expect(current.status).toBe(200);
    expect(current.json).toMatchObject({ user: { name: "alice" }, csrfToken });
  });

  it("marks the cookie Secure with the __Host- prefix when the dashboard is served over https", async () => {
    const https = await startApi(world, { secureCookies: true });
    try {
      const res = await https.call("POST", "/api/session", {
        body: { username: "alice", password: "correct horse battery" },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("set-cookie")).toMatch(
        /^__Host-slipway_session=[^;]+; Path=\/; .*HttpOnly; SameSite=Strict; Secure$/,
      );
    } finally {
      await https.close();
    }
  });

  it("refuses a wrong password with 401, the same answer as an unknown name", async () => {
    const wrong = await api.call("POST", "/api/session", {
      body: { username: "alice", password: "nope nope nope" },
    });
    const unknown = await api.call("POST", "/api/session", {
      body: { username: "zed", password: "nope nope nope" },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.json.error?.message).toBe(unknown.json.error?.message);
  });

  it("needs the x-slipway-csrf header on cookie-authenticated mutations: missing or wrong → 403", async () => {
    const { cookie, csrfToken } = await signIn();
    const body = { service: "nope", environment: "staging", version: "v1" };
    const missing = await api.call("POST", "/api/deployments", { headers: { cookie }, body });
    expect(missing.status).toBe(403);
    expect(missing.json.error?.message).toBe("missing or wrong x-slipway-csrf header");
    const wrong = await api.call("POST", "/api/deployments", {
      headers: { cookie, "x-slipway-csrf": `${csrfToken.slice(1)}x` },
      body,
    });
    expect(wrong.status).toBe(403);
    const right = await api.call("POST", "/api/deployments", {
      headers: { cookie, "x-slipway-csrf": csrfToken },
      body,
    });
    expect(right.status).toBe(404); // authorized; the service does not exist
    // Reads need no CSRF header.
    expect((await api.call("GET", "/api/status", { headers: { cookie } })).status).toBe(200);
  });

  it("signs out: the cookie is cleared and the session no longer works", async () => {
    const { cookie } = await signIn();
    const out = await api.call("DELETE", "/api/session", { headers: { cookie } });
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toMatch(
      /^slipway_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/,
    );
    expect((await api.call("GET", "/api/session", { headers: { cookie } })).status).toBe(401);
    expect((await api.call("GET", "/api/status", { headers: { cookie } })).status).toBe(401);
  });
});

describe("API tokens", () => {
  it("are shown once and stored only as their SHA-256", async () => {
    const created = await api.call<{ token: string; record: { id: string; display: string } }>(
      "POST",
      "/api/tokens",
      {
        token: admin,
        body: { name: "github-actions", role: "deployer", environmentRoles: { production: "viewer" } },
      },
    );
    expect(created.status).toBe(201);
    const { token, record } = created.json;
    expect(token).toMatch(/^slp_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(record.display).toBe(`slp_${record.id}…`);

    const listed = await api.call<{ tokens: Record<string, unknown>[] }>("GET", "/api/tokens", {
      token: admin,
    });
    expect(JSON.stringify(listed.json)).not.toContain(token);
    expect(JSON.stringify(listed.json)).not.toContain(createHash("sha256").update(token).digest("hex"));
    expect(listed.json.tokens.find((t) => t.id === record.id)).toMatchObject({
      name: "github-actions",
      role: "deployer",
      environmentRoles: { production: "viewer" },
    });

    const row = world.db.prepare("SELECT * FROM api_tokens WHERE id = ?").get(record.id) as Record<
      string,
      unknown
    >;
    expect(row.token_hash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(Object.values(row).some((v) => typeof v === "string" && v.includes(token.slice(17)))).toBe(false);

    // The new token works, with its roles.
    expect((await api.call("GET", "/api/status", { token })).status).toBe(200);
  });

  it("audits token creation with the admin's name as actor", () => {
    const rows = world.db
      .prepare("SELECT actor, type, message FROM audit_events WHERE type = 'api.manage-tokens'")
      .all() as { actor: string; type: string; message: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]?.message).toMatch(/POST \/api\/tokens → 201$/);
    // The actor is the caller's readable name, the same one the message starts with.
    expect(rows[0]?.message.startsWith(`${rows[0]?.actor} POST`)).toBe(true);
  });
});

describe("GET /api/history", () => {
  it("filters by type and actor and pages back with before, oldest first within a page", async () => {
    const me = await api.token("admin", "historian");
    for (const name of ["h1", "h2", "h3"]) {
      expect(
        (await api.call("POST", "/api/tokens", { token: me.token, body: { name, role: "viewer" } })).status,
      ).toBe(201);
    }
    type History = { events: { seq: number; type: string; actor: string; message: string }[] };
    const mine = await api.call<History>("GET", `/api/history?type=api.manage-tokens&actor=historian`, {
      token: me.token,
    });
    expect(mine.status).toBe(200);
    expect(mine.json.events.map((e) => e.message)).toEqual([
      "historian POST /api/tokens → 201",
      "historian POST /api/tokens → 201",
      "historian POST /api/tokens → 201",
    ]);
    const seqs = mine.json.events.map((e) => e.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const page = await api.call<History>(
      "GET",
      `/api/history?type=api.manage-tokens&actor=historian&before=${seqs[2]}&limit=1`,
      { token: me.token },
    );
    expect(page.json.events.map((e) => e.seq)).toEqual([seqs[1]]);
  });
});

describe("rate limits", () => {
  it("answers 429 with Retry-After and RateLimit headers past the token's burst", async () => {
    const limited = await startApi(world, {
      limiter: new TokenBucketLimiter({ capacity: 3, refillPerSecond: 0.01 }),
    });
    try {
      const { token } = await limited.token("viewer");
      const statuses: number[] = [];
      let last: { status: number; headers: Headers; json: ApiJson } | undefined;
      for (let i = 0; i < 4; i++) {
        last = await limited.call("GET", "/api/status", { token });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(last?.json.error?.code).toBe("SLIPWAY_RATE_LIMITED");
      expect(last?.headers.get("ratelimit-limit")).toBe("3");
      expect(last?.headers.get("ratelimit-remaining")).toBe("0");
      expect(Number(last?.headers.get("retry-after"))).toBeGreaterThan(0);
      // Another token has its own bucket.
      const other = await limited.token("viewer");
      expect((await limited.call("GET", "/api/status", { token: other.token })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe("OpenAPI document", () => {
  it("is public, valid in shape, and lists every route with its parameters and body schema", async () => {
    const res = await api.call<{
      openapi: string;
      paths: Record<string, Record<string, Record<string, unknown>>>;
      components: { schemas: Record<string, unknown> };
    }>("GET", "/api/openapi.json");
    expect(res.status).toBe(200);
    const doc = res.json;
    expect(doc.openapi).toBe("3.1.0");
    const ids = new Set<string>();
    for (const route of API_ROUTES) {
      const path = route.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
      const op = doc.paths[path]?.[route.method.toLowerCase()] as
        | {
            operationId: string;
            responses: Record<string, unknown>;
            parameters?: { name: string; in: string }[];
          }
        | undefined;
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(ids.has(op!.operationId)).toBe(false);
      ids.add(op!.operationId);
      expect(Object.keys(op!.responses)).toContain("200");
      for (const [, name] of route.path.matchAll(/:([A-Za-z0-9_]+)/g)) {
        expect(op!.parameters).toContainEqual(expect.objectContaining({ name, in: "path" }));
      }
    }
    const deploy = doc.paths["/api/deployments"]?.post as {
      requestBody: {
        content: { "application/json": { schema: { required: string[]; properties: object } } };
      };
    };
    const schema = deploy.requestBody.content["application/json"].schema;
    expect(schema.required).toEqual(["service", "environment", "version"]);
    expect(Object.keys(schema.properties)).toContain("override");
    // Every $ref resolves.
    for (const [, ref] of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
      expect(doc.components.schemas).toHaveProperty(ref!);
    }
  });
});

describe("dashboard files", () => {
  it("serves index.html at / and for client routes, assets with their type and a long cache", async () => {
    for (const path of ["/", "/rollouts/r-1"]) {
      const res = await fetch(`${api.base}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(await res.text()).toContain("<title>Slipway</title>");
    }
    const asset = await fetch(`${api.base}/assets/index-B1a2C3d4.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const svg = await fetch(`${api.base}/favicon.svg`);
    expect(svg.headers.get("content-type")).toBe("image/svg+xml");
    expect(svg.headers.get("cache-control")).toBe("no-cache");
    expect((await fetch(`${api.base}/assets/gone-12345678.js`)).status).toBe(404);
    expect((await fetch(`${api.base}/..%2f..%2fetc%2fpasswd`)).status).not.toBe(500);
    expect(await (await fetch(`${api.base}/..%2f..%2fetc%2fpasswd`)).text()).not.toContain("root:");
  });

  it("answers a clear 404 page when web/dist is missing", async () => {
    const bare = await startApi(world, { webRoot: join(webRoot, "missing") });
    try {
      const res = await fetch(`${bare.base}/`);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain("The dashboard is not built");
      // The API is unaffected.
      expect((await fetch(`${bare.base}/api/health`)).status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});
