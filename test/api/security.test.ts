/**
 * Security findings of issue 11, through the public surface: a real control plane (API on a real
 * socket) over a real proxy process. Preview values from the API reach revisions through the
 * proxy and stay out of their numbers; event streams end when their credential goes; names that
 * Object.prototype holds behave as any unknown name.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqliteAccessStore } from "../../src/store/sqlite/access.js";
import { startApi, startWorld, type ApiHarness, type World } from "./support.js";
import { projectYaml, withoutBaselineTrigger } from "../rollouts/world.js";

/** production: preview on (the default); closed: `preview: false`. */
const YAML = withoutBaselineTrigger(
  projectYaml(
    "3s",
    `  closed:
    preview: false
    services:
      web:
        routes: [{ hosts: [closed.test], pathPrefix: / }]
`,
  ),
);

let world: World;
/** Re-checks stream credentials only hourly: only the access layer's announcement can end them. */
let api: ApiHarness;
/** Re-checks every 100 ms: ends streams whose credential went behind the access layer's back. */
let polling: ApiHarness;
let admin: string;
let deployer: string;
let viewer: string;

beforeAll(async () => {
  world = await startWorld({}, YAML);
  api = await startApi(world, { sseReauthMs: 3_600_000 });
  polling = await startApi(world, { sseReauthMs: 100 });
  admin = (await api.token("admin", "root")).token;
  deployer = (await api.token("deployer", "dee")).token;
  viewer = (await api.token("viewer", "vee")).token;
}, 60_000);

afterAll(async () => {
  await polling?.close();
  await api?.close();
  await world?.close();
});

describe("preview values (POST /api/previews)", () => {
  it("gives deployers a value that reaches the revision through the proxy, counted apart", async () => {
    const rollout = await world.deploy("v1");
    expect((await world.waitFinal(rollout.id)).phase).toBe("promoted");
    const grant = await api.call<{ revision: string; header: string; value: string }>(
      "POST",
      "/api/previews",
      {
        token: deployer,
        body: { service: "web", environment: "production", version: "v1" },
      },
    );
    expect(grant.status).toBe(200);
    expect(grant.json).toMatchObject({ revision: "web/production@v1", header: "x-slipway-revision" });
    expect(grant.json.value).not.toContain("v1");

    const before = (await world.proxy.client.stats()).find((s) => s.revision === "web/production@v1")!;
    const res = await fetch(`${world.proxyUrl}/`, { headers: { [grant.json.header]: grant.json.value } });
    await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get("x-slipway-revision")).toBe("web/production@v1");
    const after = (await world.proxy.client.stats()).find((s) => s.revision === "web/production@v1")!;
    expect(after.previews).toBe((before.previews ?? 0) + 1);
    expect(after.latency.count).toBe(before.latency.count);

    // The route table carries a key for production only: `preview: false` turns it off.
    const routes = (await world.proxy.client.routes()).routes;
    expect(routes.find((r) => r.id === "web/production")?.preview?.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
  }, 60_000);

  it("refuses viewers, and environments with preview off", async () => {
    const body = { service: "web", environment: "production", version: "v1" };
    expect((await api.call("POST", "/api/previews", { token: viewer, body })).status).toBe(403);
    const closed = await api.call("POST", "/api/previews", {
      token: deployer,
      body: { ...body, environment: "closed" },
    });
    expect(closed.status).toBe(409);
    expect(closed.json.error?.message).toMatch(/preview is off for environment closed/);
  });
});

/** Opens GET /api/events and resolves `ended` when the server ends the stream. */
async function openStream(harness: ApiHarness, headers: Record<string, string>) {
  const abort = new AbortController();
  const res = await fetch(`${harness.base}/api/events`, { headers, signal: abort.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const connected = (async () => {
    while (!text.includes(": connected")) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error("stream ended before it said connected");
      text += chunk.value;
    }
  })();
  await connected;
  const ended = (async () => {
    for (;;) if ((await reader.read()).done) return "ended" as const;
  })();
  // A bound so a stream that never ends fails the test instead of hanging it.
  const within = (ms: number) =>
    Promise.race([ended, new Promise<"still open">((ok) => setTimeout(() => ok("still open"), ms).unref())]);
  return { within, close: () => abort.abort() };
}

describe("GET /api/events ends when its credential goes", () => {
  it("ends at once when its token is revoked through the API", async () => {
    const { token, id } = await api.token("viewer", "revoked-soon");
    const stream = await openStream(api, { authorization: `Bearer ${token}` });
    try {
      expect((await api.call("DELETE", `/api/tokens/${id}`, { token: admin })).status).toBe(200);
      expect(await stream.within(10_000)).toBe("ended");
      expect(
        (await fetch(`${api.base}/api/events`, { headers: { authorization: `Bearer ${token}` } })).status,
      ).toBe(401);
    } finally {
      stream.close();
    }
  });

  it("ends at once when the signed-in user is deleted", async () => {
    const user = { name: "leaving", password: "correct horse battery", role: "viewer" };
    expect((await api.call("POST", "/api/users", { token: admin, body: user })).status).toBe(201);
    const signIn = await fetch(`${api.base}/api/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: user.name, password: user.password }),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const stream = await openStream(api, { cookie });
    try {
      expect((await api.call("DELETE", `/api/users/${user.name}`, { token: admin })).status).toBe(200);
      expect(await stream.within(10_000)).toBe("ended");
    } finally {
      stream.close();
    }
  });

  it("ends within the re-check period when the token is revoked behind the access layer", async () => {
    const { token, id } = await polling.token("viewer", "revoked-in-db");
    const stream = await openStream(polling, { authorization: `Bearer ${token}` });
    try {
      // Another process (or a restore) changing the database: no announcement reaches this server.
      expect(await new SqliteAccessStore(world.db).revokeToken(id, Date.now())).toBe(true);
      expect(await stream.within(10_000)).toBe("ended");
    } finally {
      stream.close();
    }
  });
});

describe("names Object.prototype holds", () => {
  const NAMES = ["constructor", "toString", "hasOwnProperty", "valueOf"];

  it.each(NAMES)("an environment named %s is answered as an unknown one", async (name) => {
    const body = (environment: string) => ({ service: "web", environment, version: "v1" });
    for (const path of ["/api/deployments", "/api/previews"]) {
      const unknown = await api.call("POST", path, { token: admin, body: body("nope") });
      const proto = await api.call("POST", path, { token: admin, body: body(name) });
      expect({ status: proto.status, code: proto.json.error?.code }).toEqual({
        status: unknown.status,
        code: unknown.json.error?.code,
      });
      expect(proto.status).toBe(404);
      // A viewer holds no role there, as in any unknown environment.
      expect((await api.call("POST", path, { token: viewer, body: body(name) })).status).toBe(403);
    }
  });

  it.each(NAMES)("a service named %s is answered as an unknown one", async (name) => {
    const body = (service: string) => ({ service, environment: "production", version: "v1" });
    for (const path of ["/api/deployments", "/api/previews"]) {
      const unknown = await api.call("POST", path, { token: admin, body: body("nope") });
      const proto = await api.call("POST", path, { token: admin, body: body(name) });
      expect(proto.status).toBe(unknown.status);
      expect(proto.json.error?.code).toBe(unknown.json.error?.code);
    }
  });

  it("a per-environment role for __proto__ grants nothing elsewhere, and refuses like any name", async () => {
    // JSON.parse makes "__proto__" an own key: it names an environment, never the prototype.
    const created = await api.call<{ token: string }>("POST", "/api/tokens", {
      token: admin,
      body: '{"name":"proto-roles","role":"viewer","environmentRoles":{"__proto__":"admin"}}',
      headers: { "content-type": "application/json" },
    });
    expect(created.status).toBe(201);
    const token = created.json.token;
    const deploy = await api.call("POST", "/api/deployments", {
      token,
      body: { service: "web", environment: "production", version: "v1" },
    });
    expect(deploy.status).toBe(403);
  });
});
