import http from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newPreviewKey, previewToken } from "../../src/traffic/preview-token.js";
import { Fixture, policy, route, send, type TestProxy } from "./helpers.js";

const fx = new Fixture();
let proxy: TestProxy;
const upstream = (name: string, handler?: Parameters<Fixture["upstream"]>[1]) => fx.upstream(name, handler);

beforeEach(async () => {
  proxy = await fx.proxy();
});
afterEach(() => fx.cleanup());

describe("routing", () => {
  it("routes by host, then by the longest path prefix on whole segments", async () => {
    const site = await upstream("site");
    const api = await upstream("api");
    const other = await upstream("other");
    await proxy.apply([
      route("site/prod", [["site@1", 1, site]], { hosts: ["shop.test"], pathPrefix: "/" }),
      route("api/prod", [["api@1", 1, api]], { hosts: ["shop.test"], pathPrefix: "/api" }),
      route("other/prod", [["other@1", 1, other]], { hosts: [], pathPrefix: "/" }),
    ]);
    const via = async (host: string, path: string) =>
      (await send(`${proxy.url}${path}`, { headers: { host } })).body;
    expect(await via("shop.test", "/api/users?x=1")).toBe("api /api/users?x=1");
    expect(await via("SHOP.test:8080", "/api")).toBe("api /api");
    expect(await via("shop.test", "/apiary")).toBe("site /apiary");
    expect(await via("elsewhere.test", "/api/users")).toBe("other /api/users");
  });

  it("answers 404 with a short text when no route matches, and counts it", async () => {
    const api = await upstream("api");
    await proxy.apply([route("api/prod", [["api@1", 1, api]], { hosts: ["api.test"] })]);
    const reply = await send(`${proxy.url}/`, { headers: { host: "nope.test" } });
    expect(reply.status).toBe(404);
    expect(reply.body).toMatch(/no route/);
    expect(api.seen).toHaveLength(0);
    expect(await proxy.client.metrics()).toMatch(/^slipway_proxy_unrouted_total 1$/m);
  });

  it("splits 90/10 exactly over many requests and names the serving revision", async () => {
    const blue = await upstream("blue");
    const green = await upstream("green");
    await proxy.apply([
      route("web/prod", [
        ["web@1", 90, blue],
        ["web@2", 10, green],
      ]),
    ]);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const served: Record<string, number> = {};
    for (let i = 0; i < 500; i++) {
      const revision = await new Promise<string>((done, fail) => {
        http
          .get(`${proxy.url}/`, { agent }, (res) => {
            res.resume();
            res.on("end", () => done(String(res.headers["x-slipway-revision"])));
          })
          .on("error", fail);
      });
      served[revision] = (served[revision] ?? 0) + 1;
    }
    agent.destroy();
    expect(served).toEqual({ "web@1": 450, "web@2": 50 });
    expect(blue.seen).toHaveLength(450);
    expect(green.seen).toHaveLength(50);
    const stats = await proxy.client.stats();
    expect(stats.map((s) => [s.revision, s.responses["2xx"], s.latency.count])).toEqual([
      ["web@1", 450, 450],
      ["web@2", 50, 50],
    ]);
  });

  it("sends a signed preview token to its revision even at weight 0, and keeps it out of the revision's numbers", async () => {
    const stable = await upstream("stable");
    const candidate = await upstream("candidate");
    const key = newPreviewKey();
    await proxy.apply([
      route(
        "web/prod",
        [
          ["web@1", 100, stable],
          ["web@2", 0, candidate],
        ],
        { preview: { key } },
      ),
    ]);
    for (let i = 0; i < 5; i++) expect((await send(`${proxy.url}/`)).body).toBe("stable /");
    const preview = await send(`${proxy.url}/hello`, {
      headers: { "x-slipway-revision": previewToken(key, "web@2") },
    });
    expect(preview).toMatchObject({ status: 200, body: "candidate /hello" });
    expect(preview.headers["x-slipway-revision"]).toBe("web@2");
    const stats = (await proxy.client.stats()).find((s) => s.revision === "web@2");
    expect(stats?.previews).toBe(1);
    expect(stats?.responses["2xx"]).toBe(0);
    expect(stats?.latency.count).toBe(0);
    const metrics = await proxy.client.metrics();
    expect(metrics).toMatch(
      /^slipway_proxy_requests_total\{route="web\/prod",revision="web@2",class="2xx"\} 0$/m,
    );
    expect(metrics).toMatch(
      /^slipway_proxy_preview_requests_total\{route="web\/prod",revision="web@2"\} 1$/m,
    );
  });

  it.each([
    ["the bare revision id (anyone can read it in a response header)", () => "web@2"],
    ["a token signed with another key", () => previewToken(newPreviewKey(), "web@2")],
  ])("routes a preview header holding %s like any request, to the stable revision", async (_, value) => {
    const stable = await upstream("stable");
    const candidate = await upstream("candidate");
    await proxy.apply([
      route(
        "web/prod",
        [
          ["web@1", 100, stable],
          ["web@2", 0, candidate],
        ],
        { preview: { key: newPreviewKey() } },
      ),
    ]);
    const reply = await send(`${proxy.url}/hello`, { headers: { "x-slipway-revision": value() } });
    expect(reply).toMatchObject({ status: 200, body: "stable /hello" });
    expect(candidate.seen).toHaveLength(0);
    const stats = await proxy.client.stats();
    const candidateStats = stats.find((s) => s.revision === "web@2");
    expect(candidateStats?.responses["2xx"]).toBe(0);
    expect(candidateStats?.previews).toBe(0);
    expect(stats.find((s) => s.revision === "web@1")?.responses["2xx"]).toBe(1);
  });

  it("ignores the preview header on a route with preview off, even with a valid token", async () => {
    const stable = await upstream("stable");
    const candidate = await upstream("candidate");
    await proxy.apply([
      route("web/prod", [
        ["web@1", 100, stable],
        ["web@2", 0, candidate],
      ]),
    ]);
    const reply = await send(`${proxy.url}/`, {
      headers: { "x-slipway-revision": previewToken(newPreviewKey(), "web@2") },
    });
    expect(reply.body).toBe("stable /");
    expect(candidate.seen).toHaveLength(0);
  });

  it("answers 503 when every revision has weight 0", async () => {
    const a = await upstream("a");
    await proxy.apply([route("web/prod", [["web@1", 0, a]])]);
    expect((await send(`${proxy.url}/`)).status).toBe(503);
  });

  it("sets X-Forwarded-For/Proto/Host and keeps the Host header", async () => {
    const app = await upstream("app");
    await proxy.apply([route("web/prod", [["web@1", 1, app]])]);
    await send(`${proxy.url}/h`, {
      headers: {
        host: "shop.test",
        "x-forwarded-for": "203.0.113.7",
        connection: "keep-alive, x-drop-me",
        "x-drop-me": "1",
      },
    });
    const headers = app.seen[0]!.headers;
    expect(headers["x-forwarded-for"]).toBe("203.0.113.7, 127.0.0.1");
    expect(headers["x-forwarded-proto"]).toBe("http");
    expect(headers["x-forwarded-host"]).toBe("shop.test");
    expect(headers.host).toBe("shop.test");
    expect(headers["x-drop-me"]).toBeUndefined();
  });

  it("balances a revision's instances by least outstanding requests", async () => {
    // "slow" holds its first request; the next requests must all go to "fast".
    let release: () => void = () => undefined;
    const slow = await upstream("slow", (_req, res) => {
      release = () => res.end("slow");
    });
    const fast = await upstream("fast");
    await proxy.apply([route("web/prod", [["web@1", 1, slow, fast]], { policy: policy() })]);
    // Two concurrent requests: each instance takes one (both idle, so they take turns).
    const pair = [send(`${proxy.url}/1`), send(`${proxy.url}/2`)];
    while (slow.seen.length === 0 || fast.seen.length === 0) await new Promise((r) => setTimeout(r, 10));
    // slow still holds one request: everything else goes to fast.
    const more = [];
    for (let i = 0; i < 6; i++) more.push((await send(`${proxy.url}/more`)).body);
    expect(more).toEqual(Array(6).fill("fast /more"));
    release();
    expect((await Promise.all(pair)).map((r) => r.status)).toEqual([200, 200]);
    expect(slow.seen).toHaveLength(1);
  });
});
