import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApi, startWorld, type ApiHarness, type ApiJson, type World } from "./support.js";

/**
 * Feature flags on the control plane through real HTTP: the served set (a repository flag file +
 * API-defined flags), edits with roles, 422 problems, history and the audit trail, OFREP with a
 * client key (bearer and X-API-Key), what a client key may not do, and a refused file.
 */
const FILE_FLAGS = {
  flags: {
    banner: { state: "ENABLED", variants: { sale: "Spring sale", none: "" }, defaultVariant: "sale" },
  },
};

const onOff = (state = "ENABLED", extra: Record<string, unknown> = {}) => ({
  state,
  variants: { on: true, off: false },
  defaultVariant: "off",
  ...extra,
});

let world: World;
let api: ApiHarness;
let viewer: string;
let deployer: string;
let admin: string;

beforeAll(async () => {
  world = await startWorld({});
  mkdirSync(join(world.dir, "flags"));
  writeFileSync(join(world.dir, "flags", "site.json"), JSON.stringify(FILE_FLAGS, null, 2));
  api = await startApi(world, { flagPollMs: 100 });
  viewer = (await api.token("viewer", "vera")).token;
  deployer = (await api.token("deployer", "dora")).token;
  admin = (await api.token("admin", "ada")).token;
}, 60_000);

afterAll(async () => {
  await api?.close();
  await world?.close();
});

type Flags = { flags: { key: string; source: string; file?: string; state: string }[] };

async function evaluate(key: string, context: Record<string, unknown>, headers: Record<string, string>) {
  const res = await fetch(`${api.base}/ofrep/v1/evaluate/flags/${encodeURIComponent(key)}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ context }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe("flags API", () => {
  it("serves the repository's flag file, read-only through the API (409 naming the file)", async () => {
    const list = await api.call<Flags>("GET", "/api/flags", { token: viewer });
    expect(list.status).toBe(200);
    expect(list.json.flags).toEqual([
      expect.objectContaining({ key: "banner", source: "file", file: "flags/site.json", updatedAt: null }),
    ]);
    const edit = await api.call("PUT", "/api/flags/banner", {
      token: deployer,
      body: { flag: onOff(), reason: "try" },
    });
    expect(edit.status).toBe(409);
    expect(edit.json.error?.message).toContain("flags/site.json");
    expect((await api.call("DELETE", "/api/flags/banner?reason=x", { token: deployer })).status).toBe(409);
  });

  it("creates, updates, disables and deletes a flag with roles, history and audit", async () => {
    // A viewer may read but not edit.
    const denied = await api.call("PUT", "/api/flags/checkout", {
      token: viewer,
      body: { flag: onOff(), reason: "x" },
    });
    expect(denied.status).toBe(403);

    const created = await api.call<{ flag: Record<string, unknown> }>("PUT", "/api/flags/checkout", {
      token: deployer,
      body: { flag: onOff("ENABLED"), reason: "new checkout" },
    });
    expect(created.status).toBe(201);
    expect(created.json.flag).toMatchObject({
      key: "checkout",
      source: "api",
      state: "ENABLED",
      defaultVariant: "off",
      updatedBy: "dora",
    });

    const targeting = {
      fractional: [
        ["on", 10],
        ["off", 90],
      ],
    };
    const updated = await api.call("PUT", "/api/flags/checkout", {
      token: deployer,
      body: { flag: onOff("ENABLED", { targeting }), reason: "10 % of users" },
    });
    expect(updated.status).toBe(200);
    const off = await api.call<{ flag: { state: string } }>("POST", "/api/flags/checkout/state", {
      token: admin,
      body: { state: "DISABLED", reason: "incident 42" },
    });
    expect(off.status).toBe(200);
    expect(off.json.flag.state).toBe("DISABLED");

    const detail = await api.call<{ history: { action: string; actor: string; reason: string }[] }>(
      "GET",
      "/api/flags/checkout",
      { token: viewer },
    );
    expect(detail.json.history.map((c) => [c.action, c.actor, c.reason])).toEqual([
      ["disabled", "ada", "incident 42"],
      ["updated", "dora", "10 % of users"],
      ["created", "dora", "new checkout"],
    ]);

    // A reason is required to delete.
    expect((await api.call("DELETE", "/api/flags/checkout", { token: deployer })).status).toBe(400);
    const deleted = await api.call("DELETE", "/api/flags/checkout?reason=shipped", { token: deployer });
    expect(deleted.status).toBe(204);
    expect((await api.call("GET", "/api/flags/checkout", { token: viewer })).status).toBe(404);
    const history = await api.call<{ history: { action: string }[] }>("GET", "/api/flags/checkout/history", {
      token: viewer,
    });
    expect(history.json.history.map((c) => c.action)).toEqual(["deleted", "disabled", "updated", "created"]);
    expect(
      (
        await api.call("POST", "/api/flags/checkout/state", {
          token: deployer,
          body: { state: "ENABLED", reason: "x" },
        })
      ).status,
    ).toBe(404);

    // Every change is in the audit trail with actor and reason.
    const audit = await api.call<{ events: { type: string; actor: string; reason?: string }[] }>(
      "GET",
      "/api/history?limit=100",
      { token: viewer },
    );
    const flagEvents = audit.json.events.filter((e) => e.type.startsWith("api.flag."));
    expect(flagEvents.map((e) => [e.type, e.actor, e.reason])).toEqual([
      ["api.flag.created", "dora", "new checkout"],
      ["api.flag.updated", "dora", "10 % of users"],
      ["api.flag.disabled", "ada", "incident 42"],
      ["api.flag.deleted", "dora", "shipped"],
    ]);
  });

  it("refuses an invalid flag with 422 and JSON pointers; the previous definition keeps serving", async () => {
    await api.call("PUT", "/api/flags/color", { token: deployer, body: { flag: onOff(), reason: "r" } });
    const bad = await api.call("PUT", "/api/flags/color", {
      token: deployer,
      body: { flag: { state: "ON", variants: { on: true }, defaultVariant: "blue" }, reason: "r" },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.error?.code).toBe("SLIPWAY_INVALID_FLAGS");
    expect(bad.json.error?.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/flags\/color\/state: must be one of "ENABLED", "DISABLED"/),
        expect.stringMatching(
          /^\/flags\/color\/defaultVariant: defaultVariant "blue" is not one of the variants/,
        ),
      ]),
    );
    const badRef = await api.call("PUT", "/api/flags/color", {
      token: deployer,
      body: { flag: onOff("ENABLED", { targeting: { if: [{ $ref: "nope" }, "on", "off"] } }), reason: "r" },
    });
    expect(badRef.status).toBe(422);
    expect(badRef.json.error?.problems).toEqual([
      expect.stringMatching(/^\/flags\/color\/targeting: .*"nope"/),
    ]);
    const served = await evaluate("color", {}, { authorization: `Bearer ${viewer}` });
    expect(served.json).toMatchObject({ key: "color", value: false, variant: "off", reason: "STATIC" });
  });
});

describe("OFREP on the control plane and client keys", () => {
  it("evaluates with a flags:evaluate client key (bearer or X-API-Key), which can do nothing else", async () => {
    const created = await api.call<{ token: string; record: { scope: string; role: string } }>(
      "POST",
      "/api/tokens",
      { token: admin, body: { name: "web-app", scope: "flags:evaluate" } },
    );
    expect(created.status).toBe(201);
    expect(created.json.record).toMatchObject({ scope: "flags:evaluate", role: "viewer" });
    const key = created.json.token;

    const single = await evaluate("banner", { targetingKey: "u1" }, { "x-api-key": key });
    expect(single).toEqual({
      status: 200,
      json: { key: "banner", value: "Spring sale", variant: "sale", reason: "STATIC", metadata: {} },
    });
    const bearer = await evaluate("banner", {}, { authorization: `Bearer ${key}` });
    expect(bearer.status).toBe(200);
    expect((await evaluate("nope", {}, { "x-api-key": key })).status).toBe(404);

    const bulk = await fetch(`${api.base}/ofrep/v1/evaluate/flags`, {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "application/json" },
      body: "{}",
    });
    expect(bulk.status).toBe(200);
    const etag = bulk.headers.get("etag")!;
    expect(((await bulk.json()) as { flags: { key: string }[] }).flags.map((f) => f.key)).toContain("banner");
    const again = await fetch(`${api.base}/ofrep/v1/evaluate/flags`, {
      method: "POST",
      headers: { "x-api-key": key, "if-none-match": etag },
      body: "{}",
    });
    expect(again.status).toBe(304);

    // The flagd document, for in-process providers: the served flags, a strong ETag, 304 when unchanged.
    const document = await fetch(`${api.base}/api/flags/document`, { headers: { "x-api-key": key } });
    expect(document.status).toBe(200);
    const documentTag = document.headers.get("etag")!;
    expect(documentTag).toMatch(/^"/);
    const flags = ((await document.json()) as { flags: Record<string, { defaultVariant: string }> }).flags;
    expect(flags.banner?.defaultVariant).toBe("sale");
    const unchanged = await fetch(`${api.base}/api/flags/document`, {
      headers: { authorization: `Bearer ${key}`, "if-none-match": documentTag },
    });
    expect(unchanged.status).toBe(304);

    // Nothing but flags: 403 saying why.
    for (const [method, path] of [
      ["GET", "/api/flags"],
      ["GET", "/api/status"],
      ["PUT", "/api/flags/x"],
    ] as const) {
      const res = await api.call(method, path, {
        token: key,
        ...(method === "PUT" ? { body: { flag: onOff(), reason: "r" } } : {}),
      });
      expect(res.status, path).toBe(403);
      expect(res.json.error?.message).toContain("client key (scope flags:evaluate)");
    }
    // X-API-Key is for OFREP only.
    expect((await api.call("GET", "/api/flags", { headers: { "x-api-key": key } })).status).toBe(401);
    // No credential, or a wrong one: 401.
    expect((await evaluate("banner", {}, {})).status).toBe(401);
    expect((await evaluate("banner", {}, { "x-api-key": "slp_000000000000_nope" })).status).toBe(401);
    // The secret is stored hashed.
    const rows = world.db.prepare("SELECT * FROM api_tokens").all();
    expect(JSON.stringify(rows)).not.toContain(key.split("_").at(-1));
  });

  it("streams a flags event when the served set changes", async () => {
    const abort = new AbortController();
    const res = await fetch(`${api.base}/api/flags/stream`, {
      headers: { authorization: `Bearer ${viewer}` },
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const until = async (count: number) => {
      while ((text.match(/event: flags/g) ?? []).length < count) {
        const chunk = (await reader.read()) as { value?: Uint8Array; done: boolean };
        if (chunk.done) throw new Error(`stream ended: ${text}`);
        text += decoder.decode(chunk.value);
      }
    };
    await until(1);
    await api.call("PUT", "/api/flags/streamed", { token: deployer, body: { flag: onOff(), reason: "r" } });
    await until(2);
    const etags = [...text.matchAll(/data: (\{.*\})/g)].map(
      (m) => (JSON.parse(m[1]!) as { etag: string }).etag,
    );
    expect(etags[0]).not.toBe(etags[1]);
    abort.abort();
  });

  it("refuses an invalid flag file: reported in health, status and the list; its previous flags keep serving", async () => {
    const file = join(world.dir, "flags", "site.json");
    writeFileSync(
      file,
      '{ "flags": { "banner": { "state": "ENABLED", "variants": {}, "defaultVariant": "sale" } } }',
    );
    let health: { json: ApiJson } = { json: {} };
    for (let i = 0; i < 100; i++) {
      health = await api.call("GET", "/api/health");
      if ((health.json.problems as unknown[]).length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(health.json.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: "degraded",
          subject: "flags",
          message: expect.stringContaining("flags/site.json") as unknown,
        }),
      ]),
    );
    const list = await api.call<{ problems: { file: string; problems: string[] }[] }>("GET", "/api/flags", {
      token: viewer,
    });
    expect(list.json.problems[0]).toMatchObject({ file: "flags/site.json" });
    expect(list.json.problems[0]!.problems.join("\n")).toContain("/flags/banner/variants");
    const status = await api.call<{ flags: { problems: unknown[] } }>("GET", "/api/status", {
      token: viewer,
    });
    expect(status.json.flags.problems).toHaveLength(1);
    const served = await evaluate("banner", {}, { authorization: `Bearer ${viewer}` });
    expect(served.json).toMatchObject({ value: "Spring sale" });

    // Fixed: served again, problem gone.
    writeFileSync(
      file,
      JSON.stringify({ flags: { banner: { ...FILE_FLAGS.flags.banner, defaultVariant: "none" } } }),
    );
    for (let i = 0; i < 100; i++) {
      if ((await evaluate("banner", {}, { authorization: `Bearer ${viewer}` })).json.variant === "none")
        break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await evaluate("banner", {}, { authorization: `Bearer ${viewer}` })).json.variant).toBe("none");
    expect(
      (await api.call<{ problems: unknown[] }>("GET", "/api/flags", { token: viewer })).json.problems,
    ).toEqual([]);
  });
});
