import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { trafficRouterContract } from "./contract.js";
import { HaproxyDataPlane } from "../../src/traffic/haproxy/data-plane.js";
import { parseShowProc, runtimeCommand } from "../../src/traffic/haproxy/runtime-api.js";
import { newPreviewKey, previewToken, REVISION_HEADER } from "../../src/traffic/preview-token.js";
import { Fixture, inParallel, route, send, tally, until } from "../proxy/helpers.js";

// HAProxy 2.6 (scripts/test-deps.sh installs it) driven by Slipway: real haproxy processes.
trafficRouterContract("haproxy", async () => {
  const stateDir = mkdtempSync(join(tmpdir(), "slipway-haproxy-"));
  const plane = await HaproxyDataPlane.start({ stateDir, listen: "127.0.0.1:0", threads: 1 });
  return {
    admin: plane,
    url: `http://${plane.listenAddress()}`,
    close: async () => {
      await plane.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
});

describe("haproxy: changes a rollout makes need no reload", () => {
  const fx = new Fixture();
  afterEach(() => fx.cleanup());

  it("adds a revision's instances, shifts weights, serves previews and retires the old one in the same worker", async () => {
    const stateDir = fx.tempDir();
    const plane = await HaproxyDataPlane.start({ stateDir, listen: "127.0.0.1:0", threads: 1 });
    fx.defer(() => plane.close());
    const url = `http://${plane.listenAddress()}`;
    const worker = async () => parseShowProc(await runtimeCommand(plane.masterSocket, "show proc")).current;
    const [v1, v2a, v2b] = [await fx.upstream("v1"), await fx.upstream("v2a"), await fx.upstream("v2b")];
    const key = newPreviewKey();
    const preview = { preview: { key } };
    let generation = 0;
    const apply = (revisions: Parameters<typeof route>[1]) =>
      plane.applyRoutes({ generation: ++generation, routes: [route("web", revisions, preview)] });

    await apply([["web@v1", 100, v1]]);
    const first = await worker();
    // One keep-alive connection across every change: a reload would close it.
    const agent = fx.agent(1);
    const get = async (headers: Record<string, string> = {}) =>
      (await send(`${url}/`, { agent, headers })).body;
    expect(await get()).toMatch(/^v1 /);

    await apply([
      ["web@v1", 100, v1],
      ["web@v2", 0, v2a, v2b],
    ]);
    expect(await get({ [REVISION_HEADER]: previewToken(key, "web@v2") })).toMatch(/^v2/);
    await apply([
      ["web@v1", 50, v1],
      ["web@v2", 50, v2a, v2b],
    ]);
    const split = [];
    for (let i = 0; i < 8; i++) split.push((await get()).split(" ")[0] ?? "");
    expect(Object.keys(tally(split)).sort()).toEqual(["v1", "v2a", "v2b"]);
    await apply([["web@v2", 100, v2a, v2b]]);
    for (let i = 0; i < 4; i++) expect(await get()).toMatch(/^v2/);
    expect(await get({ [REVISION_HEADER]: previewToken(key, "web@v1") })).toMatch(/^v2/);

    expect(await worker()).toEqual(first);
    const stats = await plane.stats();
    expect(stats.find((s) => s.revision === "web@v1")?.state).toBe("drained");
    // The retired instance leaves HAProxy once it has no request left.
    await until(async () => {
      await plane.stats(); // a stats read also deletes retired servers that have no request left
      const state = await runtimeCommand(plane.masterSocket, `@!${first[0]} show servers state`);
      return !state.includes(` ${v1.port} `);
    }, "the old revision's server deleted");
  });
});

describe("haproxy: a reload Slipway did not ask for", () => {
  const fx = new Fixture();
  afterEach(() => fx.cleanup());

  it("keeps the weights changed at run time, counts the new worker's requests and sends it the next change", async () => {
    const stateDir = fx.tempDir();
    const plane = await HaproxyDataPlane.start({ stateDir, listen: "127.0.0.1:0", threads: 1 });
    fx.defer(() => plane.close());
    const url = `http://${plane.listenAddress()}`;
    // The master re-executes itself on a reload: its socket refuses connections for a moment.
    const workers = async () =>
      parseShowProc(await runtimeCommand(plane.masterSocket, "show proc").catch(() => ""));
    const [v1, v2] = [await fx.upstream("v1"), await fx.upstream("v2")];
    const served = async () =>
      tally(await inParallel(8, 4, async () => (await send(`${url}/`)).body.split(" ")[0] ?? ""));
    const counted = async (revision: string) =>
      (await plane.stats()).find((s) => s.revision === revision)?.responses["2xx"] ?? 0;
    let generation = 0;
    const apply = (revisions: Parameters<typeof route>[1]) =>
      plane.applyRoutes({ generation: ++generation, routes: [route("web", revisions)] });
    await apply([
      ["web@v1", 100, v1],
      ["web@v2", 0, v2],
    ]);
    await apply([
      ["web@v1", 0, v1],
      ["web@v2", 100, v2],
    ]);
    expect(await served()).toEqual({ v2: 8 });
    // The data plane's own reload (the first table) is over, and so its watch of the old worker:
    // from here on, nothing tells it of a new worker but what it reads.
    await until(async () => (await workers()).old.length === 0, "the first worker gone");
    await new Promise((done) => setTimeout(done, 500));
    expect(await counted("web@v2")).toBe(8);

    // An operator's `systemctl reload`, say: a new worker reads the files, not the Runtime API's changes.
    const [before] = (await workers()).current;
    await runtimeCommand(plane.masterSocket, "reload");
    await until(async () => {
      const now = await workers();
      return now.current.length === 1 && now.current[0] !== before;
    }, "a new worker");
    expect(await served()).toEqual({ v2: 8 });

    // The rollback reaches the worker the data plane never listed itself…
    await apply([
      ["web@v1", 100, v1],
      ["web@v2", 0, v2],
    ]);
    expect(await served()).toEqual({ v1: 8 });
    // …whose requests are counted once a stats read has seen it, and the replaced one exits.
    await until(async () => (await counted("web@v2")) === 16, "the new worker's requests counted");
    expect(await counted("web@v1")).toBe(8);
    await until(async () => (await workers()).old.length === 0, "the replaced worker gone");
  });
});

describe("haproxy: routing by host and path", () => {
  const fx = new Fixture();
  afterEach(() => fx.cleanup());

  it("matches hosts before paths, answers 404 where no route matches, and a catch-all route takes the rest", async () => {
    const stateDir = fx.tempDir();
    const plane = await HaproxyDataPlane.start({ stateDir, listen: "127.0.0.1:0", threads: 1 });
    fx.defer(() => plane.close());
    const url = `http://${plane.listenAddress()}`;
    const [api, docs, site] = [
      await fx.upstream("api"),
      await fx.upstream("docs"),
      await fx.upstream("site"),
    ];
    const apiRoute = route("api", [["api@1", 1, api]], { hosts: ["api.test"] });
    const docsRoute = route("docs", [["docs@1", 1, docs]], { pathPrefix: "/docs/" });
    const get = (path: string, host = "www.test") => send(`${url}${path}`, { headers: { host } });
    const served = async (path: string, host?: string) => {
      const reply = await get(path, host);
      return `${reply.status} ${String(reply.headers[REVISION_HEADER])}`;
    };

    await plane.applyRoutes({ generation: 1, routes: [docsRoute, apiRoute] });
    expect(await served("/docs/a", "api.test")).toBe("200 api@1");
    expect(await served("/docs/a")).toBe("200 docs@1");
    expect(await served("/elsewhere")).toBe("404 undefined");
    await plane.stats();
    expect(plane.unroutedCount()).toBe(1);

    await plane.applyRoutes({
      generation: 2,
      routes: [route("site", [["site@1", 1, site]]), docsRoute, apiRoute],
    });
    expect(await served("/elsewhere")).toBe("200 site@1");
    expect(await served("/docs/a")).toBe("200 docs@1");
    expect(await served("/", "api.test")).toBe("200 api@1");
    await plane.stats();
    expect(plane.unroutedCount()).toBe(1);
  });
});

describe("haproxy: the request log loses no line", () => {
  const fx = new Fixture();
  afterEach(() => fx.cleanup());

  it("counts every request exactly once, including those an older worker finishes after a reload", async () => {
    const stateDir = fx.tempDir();
    const plane = await HaproxyDataPlane.start({ stateDir, listen: "127.0.0.1:0", threads: 2 });
    fx.defer(() => plane.close());
    const url = `http://${plane.listenAddress()}`;
    const workers = async () => parseShowProc(await runtimeCommand(plane.masterSocket, "show proc"));
    const held: (() => void)[] = [];
    const app = await fx.upstream("app", (req, res) => {
      req.resume();
      if (req.url?.startsWith("/hold")) held.push(() => res.end("held"));
      else res.end("ok");
    });
    const other = await fx.upstream("other");
    await plane.applyRoutes({ generation: 1, routes: [route("web", [["web@v1", 100, app]])] });
    const first = (await workers()).current;

    const agent = fx.agent(16);
    const batch = (n: number, tag: string) =>
      inParallel(n, 16, async (i) => (await send(`${url}/${tag}${i}`, { agent })).status);
    const before = await batch(300, "a");
    // Requests in flight in the first worker across the reload that a new route causes.
    const holding = Array.from({ length: 10 }, (_, i) => send(`${url}/hold${i}`));
    await until(() => held.length === 10, "the held requests at the app");
    await plane.applyRoutes({
      generation: 2,
      routes: [
        route("web", [["web@v1", 100, app]]),
        { ...route("other", [["other@v1", 100, other]]), pathPrefix: "/other/" },
      ],
    });
    const after = await workers();
    expect(after.current).not.toEqual(first);
    expect(after.old).toEqual(first);
    const during = await batch(300, "b");
    for (const release of held) release();
    const finished = await Promise.all(holding);
    const later = await batch(300, "c");

    const statuses = [...before, ...during, ...finished.map((r) => r.status), ...later];
    expect(tally(statuses.map(String))).toEqual({ "200": 910 });
    // Its log read to the end, the older worker exits.
    await until(async () => (await workers()).old.length === 0, "the older worker gone", 15_000);
    const stats = (await plane.stats()).find((s) => s.revision === "web@v1");
    expect(stats?.responses["2xx"]).toBe(910);
    expect(stats?.latency.count).toBe(910);
  });
});
