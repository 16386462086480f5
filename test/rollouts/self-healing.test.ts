/**
 * Production that heals itself and never lies (issue 11): real `slipway up`, proxy and instances,
 * real HTTP. One project goes through the failures in turn; each step waits for an observable
 * outcome (bounded by a deadline), never for a fixed time.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import type { Rollout } from "../../src/core/rollout/types.js";
import { ApiClient } from "../../src/server/client.js";
import { databaseEnv, testDatabase } from "./test-database.js";
import { projectYaml, START_SCRIPT, withoutBaselineTrigger } from "./world.js";
import { processesUnder } from "../support/processes.js";

const BIN = resolve(import.meta.dirname, "../../bin/slipway.js");
const dir = mkdtempSync(join(tmpdir(), "slipway-heal-"));
const proxyDir = join(dir, ".slipway", "proxy");
let up: ChildProcess | undefined;
/** PostgreSQL when SLIPWAY_TEST_DATABASE=postgres (kept across the restarts), else the project's SQLite file. */
const database = await testDatabase("self_healing");
let upLog = "";
const started: number[] = [];

interface Health {
  ok: boolean;
  status: "ok" | "degraded" | "down";
  problems: Array<{ level: string; subject: string; message: string }>;
}

async function startUp(proxyPort = 0): Promise<{ api: ApiClient; apiUrl: string; traffic: string }> {
  const child = spawn(
    process.execPath,
    [BIN, "up", "--dir", dir, "--port", "0", "--proxy-port", String(proxyPort)],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, SLIPWAY_LOG_LEVEL: "warn", NO_COLOR: "1", ...databaseEnv(database) },
    },
  );
  up = child;
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (upLog += d.toString()));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const apiUrl = /API\s+(http:\/\/\S+)/.exec(out)?.[1];
    const traffic = /traffic\s+(http:\/\/\S+)/.exec(out)?.[1];
    if (apiUrl && traffic) return { api: new ApiClient(apiUrl, { dir }), apiUrl, traffic };
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  throw new Error(`slipway up did not start: ${out}${upLog}`);
}

/** The running `slipway up`'s pid (never 0: kill(0, …) would signal this test's own group). */
function upPid(): number {
  const pid = up?.pid;
  if (!pid) throw new Error("slipway up is not running");
  return pid;
}

async function stopUp(): Promise<void> {
  const child = up;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((ok) => child.once("exit", ok));
  child.kill("SIGTERM");
  await exited;
}

const proxyInfo = () =>
  JSON.parse(readFileSync(join(proxyDir, "proxy.json"), "utf8")) as {
    pid: number;
    listen: string;
    adminUrl: string;
  };

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Node processes running from one of web's release directories: the instances, however started. */
function instanceProcesses(): number[] {
  return processesUnder(join(dir, ".slipway", "releases", "web") + "/", { node: true });
}

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 40_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what} (${String(last)})\n${upLog.slice(-3000)}`);
    await sleep(50);
  }
}

async function health(apiUrl: string): Promise<{ code: number; body: Health }> {
  const res = await fetch(`${apiUrl}/api/health`);
  return { code: res.status, body: (await res.json()) as Health };
}

/** The version that answers through the proxy, or undefined when the request fails. */
async function served(traffic: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${traffic}/`, { signal: AbortSignal.timeout(5_000) });
    await res.text();
    return res.status === 200 ? (res.headers.get("x-app-version") ?? undefined) : undefined;
  } catch {
    return undefined;
  }
}

async function rollout(
  api: ApiClient,
  id: string,
): Promise<{ rollout: Rollout; events: Array<{ type: string; at: number | string }> }> {
  return api.get(`/api/rollouts/${id}`);
}

const deploy = async (api: ApiClient, version: string) =>
  (
    await api.post<{ rollout: Rollout }>("/api/deployments", {
      service: "web",
      environment: "production",
      version,
    })
  ).rollout;

const finished = (r: Rollout) => ["promoted", "rolled-back", "failed", "superseded"].includes(r.phase);

afterAll(async () => {
  if (up?.pid && up.exitCode === null) kill(up.pid, "SIGCONT");
  await stopUp().catch(() => undefined);
  for (const pid of instanceProcesses()) kill(-pid, "SIGKILL");
  try {
    kill(-proxyInfo().pid, "SIGKILL");
    kill(proxyInfo().pid, "SIGKILL");
  } catch {
    // no proxy.json
  }
  for (const pid of started) kill(-pid, "SIGKILL");
  rmSync(dir, { recursive: true, force: true });
  await database?.drop();
});

describe("a project whose proxy and instances die", () => {
  let api: ApiClient;
  let apiUrl: string;
  let traffic: string;

  it("restarts a SIGKILLed proxy under load and serves the desired table again", async () => {
    mkdirSync(join(dir, "web"));
    writeFileSync(join(dir, "slipway.yaml"), withoutBaselineTrigger(projectYaml("1s")));
    writeFileSync(join(dir, "web", "start.mjs"), START_SCRIPT);
    writeFileSync(join(dir, "web", "faults.json"), "{}");
    ({ api, apiUrl, traffic } = await startUp());
    const v1 = await deploy(api, "v1");
    await until("v1 promoted", async () =>
      (await rollout(api, v1.id)).rollout.phase === "promoted" ? true : undefined,
    );
    expect(await health(apiUrl)).toMatchObject({ code: 200, body: { ok: true, status: "ok" } });

    const seen = { ok: 0, failed: 0 };
    let running = true;
    const load = (async () => {
      while (running) {
        if ((await served(traffic)) === "v1") seen.ok++;
        else seen.failed++;
      }
    })();
    await until("some load served", () => (seen.ok > 20 ? true : undefined));
    const before = proxyInfo();
    kill(before.pid, "SIGKILL");
    const after = await until("a new proxy", () => {
      const info = proxyInfo();
      return info.pid !== before.pid ? info : undefined;
    });
    const okAtRestart = seen.ok;
    await until("traffic served again", () => (seen.ok > okAtRestart + 20 ? true : undefined));
    running = false;
    await load;

    expect(after.listen).toBe(before.listen); // same traffic address: clients need no change
    expect(seen.failed).toBeGreaterThan(0); // the kill was felt ...
    await until("health ok", async () => ((await health(apiUrl)).body.status === "ok" ? true : undefined));
    const routes = (await (
      await fetch(`${after.adminUrl}/v1/routes`, {
        headers: { authorization: `Bearer ${readFileSync(join(proxyDir, "admin-token"), "utf8").trim()}` },
      })
    ).json()) as { routes: Array<{ revisions: Array<{ id: string; weight: number }> }> };
    expect(routes.routes[0]?.revisions.map((r) => [r.id, r.weight])).toEqual([["web/production@v1", 100]]);
  }, 120_000);

  it("says down (503, with the reason) while the proxy does not answer, and ok once it does", async () => {
    // A stopped (SIGSTOP) proxy still exists, so nothing restarts it: the outage lasts until SIGCONT.
    const { pid } = proxyInfo();
    kill(pid, "SIGSTOP");
    try {
      const down = await until("health down", async () => {
        const h = await health(apiUrl);
        return h.code === 503 ? h : undefined;
      });
      expect(down.body.ok).toBe(false);
      expect(down.body.status).toBe("down");
      expect(down.body.problems[0]).toMatchObject({ level: "down", subject: "data-plane" });
      expect(down.body.problems[0]?.message).toMatch(/proxy is down/);
    } finally {
      kill(pid, "SIGCONT");
    }
    await until("health ok again", async () => ((await health(apiUrl)).code === 200 ? true : undefined));
  }, 60_000);

  it("does not promote a deploy while the proxy cannot take its table", async () => {
    const info = proxyInfo();
    const port = Number(info.listen.slice(info.listen.lastIndexOf(":") + 1));
    // Freeze the control plane so it cannot restart the proxy before the port is taken from it.
    kill(upPid(), "SIGSTOP");
    let blocker: Server | undefined;
    try {
      kill(info.pid, "SIGKILL");
      blocker = await until("the traffic port", () => listenOn(port));
    } finally {
      kill(upPid(), "SIGCONT");
    }
    const v2 = await deploy(api, "v2");
    const switched = await until("v2 switched", async () => {
      const r = (await rollout(api, v2.id)).rollout;
      return r.switchedAt !== undefined ? r : undefined;
    });
    // Hold the outage past the end of the analysis window (1 s) plus a few ticks: a controller
    // that promoted on an unacknowledged switch would have done so by now.
    await until("analysis window over", () =>
      Date.now() > (switched.switchedAt ?? 0) + switched.settings.analysisWindowMs + 1_000 ? true : undefined,
    );
    const during = await health(apiUrl);
    expect(during.code).toBe(503);
    const releasedAt = Date.now();
    await new Promise((ok) => blocker?.close(ok));

    const done = await until(
      "v2 finished",
      async () => {
        const r = await rollout(api, v2.id);
        return finished(r.rollout) || r.rollout.outcome ? r : undefined;
      },
      90_000,
    );
    expect(done.rollout.outcome).toBe("promoted");
    const promotedAt = done.events.find((e) => e.type === "rollout.promoted")?.at;
    expect(new Date(promotedAt ?? 0).getTime()).toBeGreaterThanOrEqual(releasedAt);
    await until("v2 served", async () => ((await served(traffic)) === "v2" ? true : undefined));
  }, 150_000);

  it("brings a proxy started by hand with an older table to the desired one", async () => {
    await until("v2 promoted", async () =>
      (await api.get<{ environments: Array<{ rollout: unknown }> }>("/api/status")).environments[0]
        ?.rollout === null
        ? true
        : undefined,
    );
    const oldTable = {
      generation: 1,
      routes: (
        JSON.parse(readFileSync(join(proxyDir, "routes.json"), "utf8")) as {
          routes: Array<Record<string, unknown>>;
        }
      ).routes.map((r) => ({
        ...r,
        revisions: [
          { id: "web/production@v1", weight: 100, instances: [{ id: "gone", host: "127.0.0.1", port: 1 }] },
        ],
      })),
    };
    const info = proxyInfo();
    kill(upPid(), "SIGSTOP");
    try {
      kill(info.pid, "SIGKILL");
      await until("proxy gone", () => (isGone(info.pid) ? true : undefined));
      writeFileSync(join(proxyDir, "routes.json"), JSON.stringify(oldTable));
      const byHand = spawn(
        process.execPath,
        [BIN, "proxy", "--listen", info.listen, "--admin", "127.0.0.1:0", "--state-dir", proxyDir],
        { detached: true, stdio: "ignore" },
      );
      byHand.unref();
      if (byHand.pid) started.push(byHand.pid);
      await until("the hand-started proxy", () => (proxyInfo().pid === byHand.pid ? true : undefined));
      expect(proxyInfo().adminUrl).not.toBe(info.adminUrl);
      expect(await served(traffic)).toBeUndefined(); // it routes to the old table
    } finally {
      kill(upPid(), "SIGCONT");
    }
    await until("v2 served by the hand-started proxy", async () =>
      (await served(traffic)) === "v2" ? true : undefined,
    );
    await until("health ok", async () => ((await health(apiUrl)).body.status === "ok" ? true : undefined));
  }, 90_000);

  it("comes back after a crash of everything: `slipway up` again serves the live revision", async () => {
    await stopUp();
    for (const pid of instanceProcesses()) kill(-pid, "SIGKILL");
    kill(proxyInfo().pid, "SIGKILL");
    await until("instances gone", () => (instanceProcesses().length === 0 ? true : undefined));
    // The restarted instances take 6 and 10 s to be ready: a window in which health must say down,
    // wide enough for `slipway up` to start on a loaded machine, then one in which only one of them
    // is ready. Neither the probes the other fails meanwhile nor the requests answered 503 before
    // are the release failing: it is not rolled back. The instances run from v2's release directory
    // (a copy of web/ made at deploy time), so that is where the knobs go.
    writeFileSync(
      join(dir, ".slipway", "releases", "web", "v2", "faults.json"),
      JSON.stringify({ v2: { READY_AFTER_MS: "6000" }, "v2#1": { READY_AFTER_MS: "10000" } }),
    );
    ({ api, apiUrl, traffic } = await startUp());

    const down = await until("health down while instances start", async () => {
      const h = await health(apiUrl);
      return h.code === 503 ? h : undefined;
    });
    expect(down.body.problems.map((p) => p.subject)).toContain("web/production@v2");
    await until("v2 served", async () => ((await served(traffic)) === "v2" ? true : undefined), 60_000);
    // "ok", not just 200: a degraded project (an instance still unready) also answers 200.
    await until("health ok", async () => ((await health(apiUrl)).body.status === "ok" ? true : undefined));
    type Status = {
      environments: Array<{
        live: string;
        serving: { status: string };
        revisions: Array<{ version: string; instances: Array<{ state: string }> }>;
      }>;
    };
    // On a loaded machine the status can still list a revision the restart is settling (seen once in
    // four CI rehearsals); what must hold, within the bound, is v2 alone with both instances ready.
    const status = await until("v2 alone in the status", async () => {
      const now = await api.get<Status>("/api/status");
      return now.environments[0]?.revisions.length === 1 ? now : undefined;
    });
    const env = status.environments[0];
    expect(env?.live).toBe("v2");
    expect(env?.revisions.map((r) => [r.version, r.instances.map((i) => i.state)])).toEqual([
      ["v2", ["ready", "ready"]],
    ]);
    expect(env?.serving.status).toBe("ok");
  }, 120_000);
});

function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((ok) => {
    const server = createServer();
    server.once("error", () => ok(undefined));
    server.listen(port, "127.0.0.1", () => ok(server));
  });
}

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \([^)]*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}
