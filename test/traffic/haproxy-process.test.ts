import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULTS } from "../../src/core/defaults.js";
import { REVISION_HEADER } from "../../src/traffic/preview-token.js";
import { isAlive } from "../../src/traffic/spawn.js";
import { buildCli, Fixture, route, send, until } from "../proxy/helpers.js";

// The real `slipway proxy --data-plane haproxy` (bin/slipway.js → dist) in front of real HAProxy.
beforeAll(() => buildCli());
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

const fx = new Fixture();
afterEach(() => fx.cleanup());

// A zombie (HAProxy's master reparented to an init that has not reaped it yet) counts as gone.
const alive = isAlive;
const haproxyMaster = (stateDir: string) =>
  Number(readFileSync(join(stateDir, "haproxy", "master.pid"), "utf8").trim());

describe("slipway proxy --data-plane haproxy", () => {
  it("keeps HAProxy serving while its controller is SIGKILLed, and a new one adopts it with the same table", async () => {
    const stateDir = fx.tempDir();
    const held: (() => void)[] = [];
    const app = await fx.upstream("app", (req, res) => {
      if (req.url === "/hold") return held.push(() => res.end("held"));
      res.end(`app ${req.url}`);
    });
    const first = await fx.spawn({ stateDir, dataPlane: "haproxy" });
    fx.defer(async () => {
      const master = haproxyMaster(stateDir);
      if (alive(master)) process.kill(master, "SIGTERM");
      await until(() => !alive(master), "HAProxy stopped");
    });
    expect(await first.client.health()).toMatchObject({ ok: true, generation: 0 });
    await first.client.applyRoutes({ generation: 4, routes: [route("web/prod", [["web@1", 1, app]])] });
    const reply = await send(`${first.url}/a`);
    expect(reply).toMatchObject({ status: 200, body: "app /a" });
    expect(reply.headers[REVISION_HEADER]).toBe("web@1");

    // A request in flight when the controller dies still completes; new ones are still served.
    const inflight = send(`${first.url}/hold`);
    await until(() => held.length === 1, "the request at the app");
    const master = haproxyMaster(stateDir);
    process.kill(-first.pid, "SIGKILL");
    await until(() => !alive(first.pid), "the controller gone");
    expect(alive(master)).toBe(true);
    expect((await send(`${first.url}/meanwhile`)).body).toBe("app /meanwhile");
    held[0]!();
    expect(await inflight).toMatchObject({ status: 200, body: "held" });

    const second = await fx.spawn({ stateDir, dataPlane: "haproxy" });
    expect(second.listen).toBe(first.listen);
    expect(haproxyMaster(stateDir)).toBe(master);
    expect(await second.client.health()).toMatchObject({ ok: true, generation: 4 });
    for (let i = 0; i < 5; i++) expect((await send(`${second.url}/after`)).body).toBe("app /after");
    const stats = (await second.client.stats()).find((s) => s.revision === "web@1");
    // Counted by the new controller's collector: the requests since it adopted HAProxy.
    expect(stats?.responses["2xx"]).toBe(5);
    expect(stats?.latency.count).toBe(5);

    await second.stop();
    await until(() => !alive(master), "HAProxy stopped with its controller (SIGTERM)");
  });
});

describe("slipway down with the HAProxy data plane", () => {
  it("stops the detached HAProxy master that a dead controller left serving", async () => {
    const project = fx.tempDir();
    const stateDir = join(project, DEFAULTS.dataDir, "proxy");
    mkdirSync(stateDir, { recursive: true });
    const app = await fx.upstream("app");
    const proxy = await fx.spawn({ stateDir, dataPlane: "haproxy" });
    const master = haproxyMaster(stateDir);
    fx.defer(async () => {
      if (alive(master)) process.kill(master, "SIGKILL");
      await until(() => !alive(master), "HAProxy stopped");
    });
    await proxy.client.applyRoutes({ generation: 1, routes: [route("web/prod", [["web@1", 1, app]])] });
    process.kill(-proxy.pid, "SIGKILL");
    await until(() => !alive(proxy.pid), "the controller gone");
    expect((await send(`${proxy.url}/still`)).body).toBe("app /still");

    const out = execFileSync(
      process.execPath,
      [join(ROOT, "bin/slipway.js"), "down", "--dir", project, "--json"],
      {
        encoding: "utf8",
      },
    );
    const report = JSON.parse(out) as { stopped: { what: string; detail: string }[] };
    expect(report.stopped).toEqual([
      { what: "proxy", detail: `HAProxy master pid ${master}, traffic ${proxy.listen}` },
    ]);
    expect(alive(master)).toBe(false);
    await expect(send(`${proxy.url}/gone`)).rejects.toThrow();
    // Nothing left: a second down stops nothing.
    const again = execFileSync(
      process.execPath,
      [join(ROOT, "bin/slipway.js"), "down", "--dir", project, "--json"],
      {
        encoding: "utf8",
      },
    );
    expect((JSON.parse(again) as { stopped: unknown[] }).stopped).toEqual([]);
  });
});
