import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import type { Rollout } from "../../src/core/rollout/types.js";
import { ApiClient } from "../../src/server/client.js";
import { databaseEnv, testDatabase } from "./test-database.js";
import { projectYaml, START_SCRIPT, withoutBaselineTrigger } from "./world.js";
import { killProjectProcesses, processesUnder } from "../support/processes.js";

const BIN = resolve(import.meta.dirname, "../../bin/slipway.js");
const dir = mkdtempSync(join(tmpdir(), "slipway-durability-"));
let up: ChildProcess | undefined;
/** PostgreSQL when SLIPWAY_TEST_DATABASE=postgres (kept across the restarts), else the project's SQLite file. */
const database = await testDatabase("durability");

/** Starts `slipway up` as its own process; resolves with its API and traffic URLs. */
async function startUp(): Promise<{ api: ApiClient; traffic: string }> {
  const child = spawn(process.execPath, [BIN, "up", "--dir", dir, "--port", "0", "--proxy-port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, SLIPWAY_LOG_LEVEL: "warn", NO_COLOR: "1", ...databaseEnv(database) },
  });
  up = child;
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const api = /API\s+(http:\/\/\S+)/.exec(out)?.[1];
    const traffic = /traffic\s+(http:\/\/\S+)/.exec(out)?.[1];
    if (api && traffic) return { api: new ApiClient(api, { dir }), traffic };
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  throw new Error(`slipway up did not start: ${out}`);
}

/**
 * Node processes running from one of web's release directories (`<data>/releases/web/<version>`):
 * the instances, however started.
 */
function instanceProcesses(): number[] {
  return processesUnder(join(dir, ".slipway", "releases", "web") + "/", { node: true });
}

afterAll(async () => {
  // Let the server stop its instances itself (bounded); whatever is left is killed below.
  if (up && up.exitCode === null && up.signalCode === null) {
    const exited = new Promise((ok) => up?.once("exit", ok));
    up.kill("SIGTERM");
    await Promise.race([exited, sleep(5_000)]);
  }
  // Everything this test started: instances (own process groups) and the detached proxy.
  killProjectProcesses(dir);
  rmSync(dir, { recursive: true, force: true });
  await database?.drop();
});

describe("SIGKILL of the server in the middle of a rollout", () => {
  it("leaves traffic untouched; the restarted server finishes the rollout without duplicate instances", async () => {
    mkdirSync(join(dir, "web"));
    writeFileSync(join(dir, "slipway.yaml"), withoutBaselineTrigger(projectYaml("4s")));
    writeFileSync(join(dir, "web", "start.mjs"), START_SCRIPT);
    writeFileSync(join(dir, "web", "faults.json"), "{}");
    let { api, traffic } = await startUp();
    const waitFor = async (id: string, ok: (r: Rollout) => boolean) => {
      const deadline = Date.now() + 40_000;
      for (;;) {
        const { rollout } = await api.get<{ rollout: Rollout }>(`/api/rollouts/${id}`);
        if (ok(rollout)) return rollout;
        if (Date.now() > deadline) throw new Error(`stuck: ${JSON.stringify(rollout)}`);
        await sleep(50);
      }
    };
    const deploy = async (version: string) =>
      (
        await api.post<{ rollout: Rollout }>("/api/deployments", {
          service: "web",
          environment: "production",
          version,
        })
      ).rollout;

    const v1 = await deploy("v1");
    await waitFor(v1.id, (r) => r.phase === "promoted");

    // Steady traffic through the proxy for the whole test.
    const seen = { ok: 0, bad: 0, versions: new Set<string>() };
    let running = true;
    const loop = (async () => {
      while (running) {
        try {
          const res = await fetch(`${traffic}/`);
          await res.text();
          if (res.status === 200) seen.ok++;
          else seen.bad++;
          seen.versions.add(res.headers.get("x-app-version") ?? "?");
        } catch {
          seen.bad++;
        }
        await sleep(10);
      }
    })();

    const v2 = await deploy("v2");
    // Kill once while the candidate starts, once while its analysis runs.
    for (const phase of ["starting", "analysing"]) {
      await waitFor(v2.id, (r) => r.phase === phase);
      up?.kill("SIGKILL");
      await new Promise((ok) => up?.once("exit", ok));
      // Traffic keeps flowing with no control plane at all: wait (bounded) for requests served meanwhile.
      const servedBefore = seen.ok;
      for (const deadline = Date.now() + 20_000; seen.ok < servedBefore + 20; await sleep(20))
        if (Date.now() > deadline)
          throw new Error(`no traffic served while the server was down: ${seen.bad} failed`);
      ({ api, traffic } = await startUp());
    }
    const final = await waitFor(v2.id, (r) =>
      ["promoted", "rolled-back", "failed", "superseded"].includes(r.phase),
    );
    running = false;
    await loop;

    expect(final.phase).toBe("promoted");
    expect(seen.bad).toBe(0);
    expect(seen.ok).toBeGreaterThan(50);
    expect(seen.versions).toEqual(new Set(["v1", "v2"]));
    // Exactly the two v2 replicas run: no duplicate from the replayed "ensure", no v1 left.
    const status = await api.get<{
      environments: Array<{ revisions: Array<{ version: string; instances: unknown[] }> }>;
    }>("/api/status");
    expect(status.environments[0]?.revisions.map((r) => [r.version, r.instances.length])).toEqual([
      ["v2", 2],
    ]);
    expect(instanceProcesses()).toHaveLength(2);
    const { events } = await api.get<{ events: Array<{ type: string }> }>(`/api/rollouts/${v2.id}`);
    expect(events.map((e) => e.type).filter((t) => t === "rollout.switched")).toHaveLength(1);
  }, 120_000);
});
