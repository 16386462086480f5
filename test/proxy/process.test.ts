import { readFileSync } from "node:fs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawnProxy } from "../../src/traffic/admin-client.js";
import { buildCli, Fixture, rejection, route, send, until } from "./helpers.js";

// These tests run the real `slipway proxy` command (bin/slipway.js → dist/cli.js).
beforeAll(() => buildCli());

const fx = new Fixture();
afterEach(() => fx.cleanup());

const tempDir = () => fx.tempDir();
const upstream = (name: string) => fx.upstream(name);
const spawn = (stateDir: string, workers = 1) => fx.spawn({ stateDir, workers });

describe("slipway proxy process", () => {
  it("keeps its routes across a SIGKILL and restart", async () => {
    const stateDir = tempDir();
    const app = await upstream("app");
    const first = await spawn(stateDir);
    await first.client.applyRoutes({ generation: 4, routes: [route("web/prod", [["web@1", 1, app]])] });
    expect((await send(`http://${first.listen}/`)).body).toBe("app /");
    process.kill(-first.pid, "SIGKILL");
    const second = await spawn(stateDir);
    expect(second.pid).not.toBe(first.pid);
    expect(await second.client.health()).toMatchObject({ ok: true, generation: 4 });
    expect((await send(`http://${second.listen}/after`)).body).toBe("app /after");
  });

  it("routes with two workers: every request after the PUT follows the new table, stats add up", async () => {
    const stateDir = tempDir();
    const blue = await upstream("blue");
    const green = await upstream("green");
    const proxy = await spawn(stateDir, 2);
    await proxy.client.applyRoutes({ generation: 1, routes: [route("web/prod", [["web@1", 1, blue]])] });
    for (let i = 0; i < 20; i++) expect((await send(`http://${proxy.listen}/`)).body).toBe("blue /");
    await proxy.client.applyRoutes({ generation: 2, routes: [route("web/prod", [["web@2", 1, green]])] });
    // The PUT is answered once both workers have the table: no request may reach blue after it.
    for (let i = 0; i < 20; i++) expect((await send(`http://${proxy.listen}/`)).body).toBe("green /");
    const stats = await proxy.client.stats();
    expect(stats.map((s) => [s.revision, s.responses["2xx"], s.state])).toEqual([
      ["web@1", 20, "drained"],
      ["web@2", 20, "active"],
    ]);
    expect(blue.seen).toHaveLength(20);
  });

  it("replaces a worker that dies, and the new one routes with the current table", async () => {
    const app = await upstream("app");
    const proxy = await spawn(tempDir(), 2);
    await proxy.client.applyRoutes({ generation: 7, routes: [route("web/prod", [["web@1", 1, app]])] });
    const workers = () =>
      readFileSync(`/proc/${proxy.pid}/task/${proxy.pid}/children`, "utf8")
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    const before = workers();
    expect(before).toHaveLength(2);
    process.kill(before[0]!, "SIGKILL");
    await until(
      () => {
        const now = workers();
        return now.length === 2 && !now.includes(before[0]!);
      },
      "a replacement worker",
      20_000,
    );
    // Fresh connections are spread over both workers: every one must know the route.
    await until(
      async () => (await send(`http://${proxy.listen}/`).catch(() => undefined))?.body === "app /",
      "the new worker listening",
      20_000,
    );
    const replies = await Promise.all(Array.from({ length: 20 }, () => send(`http://${proxy.listen}/again`)));
    expect(replies.map((r) => r.body)).toEqual(Array(20).fill("app /again"));
    expect((await proxy.client.health()).generation).toBe(7);
  });

  it("fails to start with a clear error when the traffic port is taken", async () => {
    const app = await upstream("app");
    const failed = await rejection(
      spawnProxy({
        listen: `127.0.0.1:${app.port}`,
        admin: "127.0.0.1:0",
        stateDir: tempDir(),
        readyTimeoutMs: 10_000,
      }),
    );
    expect(failed.code).toBe("SLIPWAY_UNAVAILABLE");
    expect(failed.message).toMatch(/exited \(2\).*--listen 127\.0\.0\.1:\d+: address already in use/);
  });
});
