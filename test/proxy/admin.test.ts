import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ProxyAdminClient } from "../../src/traffic/admin-client.js";
import { startProxy } from "../../src/traffic/builtin/process.js";
import { createAdminServer, type ProxyControl } from "../../src/traffic/admin-server.js";
import type { RouteTable } from "../../src/core/traffic/index.js";
import { rejection, route, send, until, Fixture, startTestProxy, type TestProxy } from "./helpers.js";

const fx = new Fixture();
afterEach(() => fx.cleanup());

const proxy = () => fx.proxy();
const upstream = (name: string) => fx.upstream(name);

async function raw(p: TestProxy, method: string, path: string, opts: { token?: string; body?: string } = {}) {
  const response = await fetch(`${p.adminUrl}${path}`, {
    method,
    headers: opts.token === undefined ? {} : { authorization: `Bearer ${opts.token}` },
    body: opts.body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("admin API", () => {
  it("refuses requests without the right bearer token (401)", async () => {
    const p = await proxy();
    expect((await raw(p, "GET", "/v1/routes")).status).toBe(401);
    expect((await raw(p, "GET", "/v1/health", { token: "wrong" })).status).toBe(401);
    expect((await raw(p, "PUT", "/v1/routes", { token: "wrong", body: "{}" })).status).toBe(401);
    const client = new ProxyAdminClient({ url: p.adminUrl, token: "wrong" });
    const refused = await rejection(client.health());
    expect(refused.code).toBe("SLIPWAY_UNAVAILABLE");
    expect(refused.message).toMatch(/refused the admin token/);
    await client.close();
    expect(await p.client.health()).toMatchObject({ ok: true, generation: 0, listen: p.listen });
  });

  it("refuses a short token on an address other hosts can reach, and takes a long one", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "slipway-admin-remote-"));
    const control: ProxyControl = {
      current: () => ({ generation: 0, routes: [] }),
      apply: () => Promise.resolve(),
      stats: () => Promise.resolve([]),
      metrics: () => Promise.resolve(""),
      listenAddress: () => "127.0.0.1:0",
    };
    const log = pino({ enabled: false });
    try {
      const weak = createAdminServer({ token: "dev", stateDir, control, log });
      const refused = await rejection(weak.listen("0.0.0.0:0"));
      expect(refused.code).toBe("SLIPWAY_INVALID_ARGUMENT");
      expect(refused.message).toMatch(/reachable from other hosts: its admin token must have at least 32/);
      expect((await weak.listen("127.0.0.1:0")).kind).toBe("tcp"); // loopback: any token
      await weak.close();
      const strong = createAdminServer({ token: "x".repeat(32), stateDir, control, log });
      expect((await strong.listen("0.0.0.0:0")).kind).toBe("tcp");
      await strong.close();
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("creates a 0600 admin token in the state dir", async () => {
    const p = await proxy();
    const file = join(p.stateDir, "admin-token");
    expect(readFileSync(file, "utf8").trim()).toBe(p.token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("answers 400 saying why for an invalid table, and keeps the current one", async () => {
    const p = await proxy();
    const app = await upstream("app");
    await p.apply([route("web/prod", [["web@1", 1, app]])]);
    const before = await p.client.routes();
    const notJson = await raw(p, "PUT", "/v1/routes", { token: p.token, body: "{nope" });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatch(/not JSON/);
    const bad = structuredClone(before);
    bad.generation++;
    bad.routes[0]!.pathPrefix = "api";
    bad.routes[0]!.revisions[0]!.weight = -1;
    const invalid = await raw(p, "PUT", "/v1/routes", { token: p.token, body: JSON.stringify(bad) });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatch(/routes\.0\.pathPrefix: must start with "\/"/);
    expect(invalid.body.error).toMatch(/routes\.0\.revisions\.0\.weight/);
    await expect(p.client.applyRoutes(bad)).rejects.toMatchObject({ code: "SLIPWAY_INVALID_ARGUMENT" });
    expect(await p.client.routes()).toEqual(before);
  });

  it("refuses a table older than the current one (409), accepts the same generation again", async () => {
    const p = await proxy();
    const app = await upstream("app");
    const table: RouteTable = { generation: 10, routes: [route("web/prod", [["web@1", 1, app]])] };
    expect(await p.client.applyRoutes(table)).toEqual({ generation: 10 });
    expect(await p.client.applyRoutes(table)).toEqual({ generation: 10 });
    const stale = await raw(p, "PUT", "/v1/routes", {
      token: p.token,
      body: JSON.stringify({ generation: 9, routes: [] }),
    });
    expect(stale.status).toBe(409);
    await expect(p.client.applyRoutes({ generation: 9, routes: [] })).rejects.toMatchObject({
      code: "SLIPWAY_CONFLICT",
    });
    expect((await p.client.health()).generation).toBe(10);
    expect((await send(`${p.url}/`)).body).toBe("app /");
  });

  it("persists the table before answering and routes with it after a restart", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "slipway-proxy-"));
    fx.defer(() => rmSync(stateDir, { recursive: true, force: true }));
    const app = await upstream("app");
    const first = await startTestProxy({ stateDir });
    const table: RouteTable = { generation: 3, routes: [route("web/prod", [["web@1", 1, app]])] };
    await first.client.applyRoutes(table);
    expect(JSON.parse(readFileSync(join(stateDir, "routes.json"), "utf8"))).toEqual(table);
    // Written before the answer; fsynced right after it, and then reported durable.
    await until(async () => (await first.client.health()).durableGeneration === 3, "generation 3 durable");
    await first.stop();
    const second = await startTestProxy({ stateDir });
    fx.defer(() => second.stop());
    expect(await second.client.routes()).toEqual(table);
    expect((await send(`${second.url}/again`)).body).toBe("app /again");
  });

  it("serves the admin API on a unix socket", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "slipway-proxy-"));
    fx.defer(() => rmSync(stateDir, { recursive: true, force: true }));
    const socket = join(stateDir, "admin.sock");
    const running = await startProxy({
      listen: "127.0.0.1:0",
      admin: socket,
      stateDir,
      log: pino({ level: "silent" }),
    });
    fx.defer(() => running.close());
    expect(running.adminUrl).toBe(`unix:${socket}`);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    const client = new ProxyAdminClient({ url: running.adminUrl, token: running.token });
    fx.defer(() => client.close());
    expect(await client.health()).toMatchObject({ ok: true, generation: 0 });
    const wrong = new ProxyAdminClient({ url: socket, token: "nope" });
    await expect(wrong.routes()).rejects.toMatchObject({ code: "SLIPWAY_UNAVAILABLE" });
    await wrong.close();
  });

  it("reports SLIPWAY_UNAVAILABLE when nothing listens", async () => {
    const client = new ProxyAdminClient({ url: "http://127.0.0.1:1", token: "x" });
    const unreachable = await rejection(client.health());
    expect(unreachable.code).toBe("SLIPWAY_UNAVAILABLE");
    expect(unreachable.message).toMatch(/unreachable/);
    await client.close();
  });

  it("exports Prometheus text with counts by status class, latency histogram and inflight", async () => {
    const p = await proxy();
    const app = await upstream("app");
    await p.apply([route("web/prod", [["web@1", 1, app]])]);
    await send(`${p.url}/`);
    const text = await p.client.metrics();
    expect(text).toMatch(
      /^slipway_proxy_requests_total\{route="web\/prod",revision="web@1",class="2xx"\} 1$/m,
    );
    expect(text).toMatch(
      /^slipway_proxy_request_duration_seconds_count\{route="web\/prod",revision="web@1"\} 1$/m,
    );
    expect(text).toMatch(
      /^slipway_proxy_request_duration_seconds_bucket\{route="web\/prod",revision="web@1",le="\+Inf"\} 1$/m,
    );
    expect(text).toMatch(/^slipway_proxy_inflight_requests\{route="web\/prod",revision="web@1"\} 0$/m);
    expect(text).toMatch(/^# TYPE slipway_proxy_request_duration_seconds histogram$/m);
  });
});
