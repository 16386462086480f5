import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ProxySupervisor } from "../../src/traffic/supervisor.js";
import { isAlive, readProxyInfo } from "../../src/traffic/spawn.js";
import { buildCli, Fixture, route, send, until } from "./helpers.js";

// Real `slipway proxy` processes (dist/proxy.js), killed and restarted through the supervisor.
beforeAll(() => buildCli());

const fx = new Fixture();
afterEach(() => fx.cleanup());

/** Kill whichever proxy proxy.json names at cleanup (the supervisor's restarts are not the fixture's). */
function killRecordedProxyAtCleanup(stateDir: string): void {
  fx.defer(() => {
    const pid = readProxyInfo(stateDir)?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // gone
    }
  });
}

async function killed(pid: number): Promise<void> {
  process.kill(-pid, "SIGKILL");
  await until(() => !isAlive(pid), "the proxy to die", 15_000);
}

describe("ProxySupervisor", () => {
  it("restarts a killed proxy on the same traffic address and follows its new admin URL", async () => {
    const stateDir = fx.tempDir();
    killRecordedProxyAtCleanup(stateDir);
    const app = await fx.upstream("app");
    const first = await fx.spawn({ stateDir });
    await first.client.applyRoutes({ generation: 3, routes: [route("web/prod", [["web@1", 1, app]])] });
    const supervisor = new ProxySupervisor({ stateDir });
    fx.defer(() => supervisor.close());
    expect(await supervisor.observe()).toEqual({ state: "up", generation: 3 });

    await killed(first.pid);
    const down = await supervisor.observe();
    expect(down).toMatchObject({ state: "down", processAlive: false });
    expect(down.state === "down" && down.reason).toMatch(
      new RegExp(`proxy process ${first.pid} is not running`),
    );

    expect(await supervisor.restart()).toBe(true);
    const now = readProxyInfo(stateDir);
    expect(now?.pid).not.toBe(first.pid);
    expect(now?.listen).toBe(first.listen);
    expect(now?.adminUrl).not.toBe(first.adminUrl);
    // The same client object now talks to the new admin port, and the new proxy loaded the table.
    expect(await supervisor.observe()).toEqual({ state: "up", generation: 3 });
    expect((await supervisor.routes()).generation).toBe(3);
    expect((await send(`http://${first.listen}/again`)).body).toBe("app /again");
  }, 90_000);

  it("never starts a second proxy while the recorded one still exists", async () => {
    const stateDir = fx.tempDir();
    const first = await fx.spawn({ stateDir });
    const supervisor = new ProxySupervisor({ stateDir });
    fx.defer(() => supervisor.close());
    process.kill(first.pid, "SIGSTOP");
    fx.defer(() => void process.kill(first.pid, "SIGCONT"));
    const down = await supervisor.observe();
    expect(down).toMatchObject({ state: "down", processAlive: true });
    expect(await supervisor.restart()).toBe(false);
    expect(readProxyInfo(stateDir)?.pid).toBe(first.pid);
  }, 90_000);

  it("backs off after a failed restart and succeeds once the traffic port is free", async () => {
    const stateDir = fx.tempDir();
    killRecordedProxyAtCleanup(stateDir);
    const first = await fx.spawn({ stateDir });
    const port = Number(first.listen.slice(first.listen.lastIndexOf(":") + 1));
    await killed(first.pid);
    // The dead proxy's socket may take a moment to be released after its exit.
    const squatter = (await until(() => listenOn(port), "the traffic port to be free", 15_000)) as Server;
    const supervisor = new ProxySupervisor({ stateDir, backoffMs: 60_000 });
    fx.defer(() => supervisor.close());
    const attempts = () => readFileSync(join(stateDir, "proxy.log"), "utf8").split("EADDRINUSE").length - 1;
    const before = attempts();

    expect(await supervisor.restart()).toBe(false);
    expect(attempts()).toBe(before + 1);
    // Within the back-off nothing is spawned: no second "address in use" in the log.
    expect(await supervisor.restart()).toBe(false);
    expect(attempts()).toBe(before + 1);

    await new Promise((ok) => squatter.close(ok));
    const afterBackoff = Date.now() + 60_000;
    expect(await supervisor.restart(afterBackoff)).toBe(true);
    expect(readProxyInfo(stateDir)?.listen).toBe(first.listen);
  }, 90_000);
});

function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((ok) => {
    const server = createServer();
    server.once("error", () => ok(undefined));
    server.listen(port, "127.0.0.1", () => ok(server));
  });
}
