/**
 * End to end: a canary rollout with the data plane on two more hosts (network namespaces, each with
 * its own `slipway proxy`), one cut off and restored mid-rollout. The rollout must hold its next
 * step while the cut host lacks the table (quorum: both hosts), go on once the host is back and has
 * been resent the current table, and requests through the host that stayed up must never fail.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProjectConfig } from "../../src/config/load.js";
import type { SpawnedProxy } from "../../src/traffic/admin-client.js";
import type { DataPlaneSet } from "../../src/traffic/data-plane-set.js";
import { dataPlanesFromConfig } from "../../src/traffic/data-planes-from-config.js";
import {
  createNamespace,
  netnsUnavailable,
  removeAllNamespaces,
  startProxyIn,
  type Namespace,
} from "../support/netns.js";
import { canaryYaml } from "./canary-world.js";
import { startUp, type RunningUp } from "../support/slipway-up.js";
import { START_SCRIPT, startWorld, steadyTraffic, type World } from "./world.js";

const TOKEN = "data-plane-test-token-0123456789abcdef";
const skip = netnsUnavailable();

interface Host {
  ns: Namespace;
  proxy: SpawnedProxy;
  /** The proxy's traffic URL as seen from the control plane's host. */
  url: string;
}

async function startHost(stateRoot: string, index: number): Promise<Host> {
  const ns = createNamespace();
  return { ns, ...(await startProxyIn(ns, join(stateRoot, `host-${index}`), TOKEN)) };
}

/** The generation a host's proxy holds, read from inside its namespace (works while it is cut off). */
function generationInside(host: Host): number {
  const port = host.proxy.adminUrl.slice(host.proxy.adminUrl.lastIndexOf(":") + 1);
  const script = `fetch("http://${host.ns.inside}:${port}/v1/health",{headers:{authorization:"Bearer ${TOKEN}"}}).then(r=>r.json()).then(j=>console.log(j.generation))`;
  const [command, ...args] = host.ns.exec;
  return Number(
    execFileSync(command!, [...args, process.execPath, "-e", script], { encoding: "utf8" }).trim(),
  );
}

function yamlFor(hosts: Host[], quorum?: number): string {
  const planes = hosts
    .map(
      (h, i) =>
        `        - { name: host-${i + 1}, admin: "http://${h.ns.inside}:${h.proxy.adminUrl.split(":").at(-1)}", token: "\${DP_TOKEN}", upstreamHost: ${h.ns.host} }`,
    )
    .join("\n");
  return canaryYaml({ steps: ["- setWeight: 20", "- pause: 1s", "- setWeight: 50", "- pause: 1s"] })
    .replace(/(SLIPWAY_FIXTURE_APP: .*\n)/, "$1      HOST: 0.0.0.0\n")
    .replace(
      "    strategy: canary\n",
      `    strategy: canary\n    dataPlanes:\n      hosts:\n${planes}\n${quorum ? `      quorum: ${quorum}\n` : ""}`,
    );
}

async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(50);
  }
}

async function versionThrough(url: string): Promise<string | undefined> {
  const res = await request(url, { headersTimeout: 2_000, bodyTimeout: 2_000 });
  await res.body.text();
  const v = res.headers["x-app-version"];
  return typeof v === "string" ? v : undefined;
}

/** Every host by default: the rollout holds while one is cut off. A quorum of 1: it goes on. */
const QUORUMS = [
  { quorum: undefined, label: "quorum: every host" },
  { quorum: 1, label: "quorum: 1" },
];

describe.skipIf(skip !== undefined).each(QUORUMS)(
  "data planes in two network namespaces, $label",
  ({ quorum }) => {
    let stateRoot: string;
    const hosts: Host[] = [];
    let world: World | undefined;
    let planes: DataPlaneSet | undefined;

    beforeAll(async () => {
      stateRoot = mkdtempSync(join(tmpdir(), "slipway-dataplanes-"));
      for (const i of [0, 1]) hosts.push(await startHost(stateRoot, i));
      world = await startWorld({}, yamlFor(hosts, quorum), {
        dataPlanes: (local, dir) => {
          const set = dataPlanesFromConfig({
            environments: loadProjectConfig(dir).environments,
            local,
            env: { DP_TOKEN: TOKEN },
          });
          if (!set) throw new Error("slipway.yaml lists no data planes");
          planes = set;
          return set;
        },
      });
    }, 120_000);

    afterAll(async () => {
      for (const h of hosts) h.ns.restore();
      await world?.close();
      await planes?.close();
      for (const h of hosts) await h.proxy.stop(1_000);
      removeAllNamespaces();
      rmSync(stateRoot, { recursive: true, force: true });
    }, 60_000);

    it(
      quorum === 1
        ? "goes on while one host is cut off, and the host catches up when restored"
        : "holds the rollout while a cut-off host lacks the table, and the host catches up when restored",
      async () => {
        const w = world!;
        const [up, cut] = [hosts[0]!, hosts[1]!];
        const first = await w.deploy("v1");
        expect((await w.waitFinal(first.id, 60_000)).phase).toBe("promoted");
        // Both hosts route to the instances on the control plane's host, through their veth.
        expect(await versionThrough(up.url)).toBe("v1");
        expect(await versionThrough(cut.url)).toBe("v1");

        // Steady traffic through the local proxy (the analysis reads it) and through the host that stays up.
        const local = steadyTraffic(w, 20);
        const throughUp = { total: 0, failed: 0, statuses: new Map<number, number>() };
        let running = true;
        const upLoop = (async () => {
          while (running) {
            try {
              const res = await request(up.url, { headersTimeout: 5_000 });
              await res.body.text();
              throughUp.total++;
              throughUp.statuses.set(res.statusCode, (throughUp.statuses.get(res.statusCode) ?? 0) + 1);
              if (res.statusCode !== 200) throughUp.failed++;
            } catch {
              throughUp.failed++;
            }
            await sleep(20);
          }
        })();

        const rollout = await w.deploy("v2");
        await w.waitFor(rollout.id, (r) => (r.canary?.weight ?? 0) === 20, 60_000);
        // Cut only once both hosts hold the 20 % table: cut earlier, the quorum (rightly) holds 20 %.
        await until(async () =>
          ((await w.controller.status()).find((e) => e.environment === "production")?.dataPlanes ?? []).every(
            (h) => h.health === "in-sync",
          ),
        );
        const before = generationInside(cut);
        cut.ns.cut();
        if (quorum === 1) {
          // The next weight (50) goes out; the cut host cannot take it.
          await w.waitFor(rollout.id, (r) => (r.canary?.weight ?? 0) === 50, 30_000);
          // One host holds it: the rollout goes on and promotes while the other is still cut off,
          // but the old revision keeps running (draining): the cut host may still route to it.
          await w.waitFor(rollout.id, (r) => r.phase === "draining", 60_000);
          await sleep(3_000); // past the 2 s drain timeout
          expect((await w.store.getRollout(rollout.id))?.phase).toBe("draining");
        } else {
          // Every host must: the rollout does not advance past the step it had taken when the cut
          // was seen — 50 % when the step went out before the control plane noticed the cut host
          // (which then cannot take it), 20 % when the cut was noticed first (a loaded machine).
          await until(async () =>
            (
              (await w.controller.status()).find((e) => e.environment === "production")?.dataPlanes ?? []
            ).some((h) => h.health === "unreachable"),
          );
          await sleep(1_000); // a step decided just before the cut was seen commits meanwhile
          const seen = (await w.store.getRollout(rollout.id))?.canary?.weight;
          expect([20, 50]).toContain(seen);
          await sleep(4_000); // well past the 1 s pause after each step
          const held = await w.store.getRollout(rollout.id);
          expect(held?.phase).toBe("stepping");
          expect(held?.canary?.weight).toBe(seen);
        }
        const status = (await w.controller.status()).find((e) => e.environment === "production");
        const byName = new Map(status?.dataPlanes.map((h) => [h.name, h]));
        expect(byName.get("host-2")?.health).toBe("unreachable");
        expect(byName.get("host-1")?.health).toBe("in-sync");
        // The cut host keeps serving its last table meanwhile.
        expect(generationInside(cut)).toBe(before);

        cut.ns.restore();
        const done = await w.waitFinal(rollout.id, 60_000);
        expect(done.phase).toBe("promoted");
        // Back, it is resent the current table (with a quorum of 1 the rollout did not wait for that).
        await until(async () =>
          ((await w.controller.status()).find((e) => e.environment === "production")?.dataPlanes ?? []).every(
            (h) => h.health === "in-sync",
          ),
        );
        running = false;
        await upLoop;
        const counts = await local.stop();

        const generations = await Promise.all([
          w.proxy.client.health(),
          up.proxy.client.health(),
          cut.proxy.client.health(),
        ]);
        const [localGen, upGen, cutGen] = generations.map((g) => g.generation);
        expect(cutGen).toBe(upGen);
        expect(cutGen).toBe(localGen);
        expect(await versionThrough(cut.url)).toBe("v2");
        const after = (await w.controller.status()).find((e) => e.environment === "production");
        expect(after?.dataPlanes.map((h) => h.health)).toEqual(["in-sync", "in-sync"]);
        console.log(
          `[data-planes ${quorum === 1 ? "quorum 1" : "every host"}] through the host that stayed up: ${throughUp.total} requests, ${throughUp.failed} failed ` +
            `(${JSON.stringify([...throughUp.statuses])}); through the local proxy: ${counts.total}, ${counts.failed} failed; ` +
            `generation ${before} on the cut host while cut, ${cutGen} everywhere after`,
        );
        expect(throughUp.total).toBeGreaterThan(0);
        expect(throughUp.failed).toBe(0);
        expect(counts.failed).toBe(0);
      },
      180_000,
    );
  },
);

describe.skipIf(skip !== undefined)("`slipway up` with a data plane in a namespace", () => {
  const BIN = resolve(import.meta.dirname, "../../bin/slipway.js");
  let stateRoot: string;
  let dir: string;
  let host: Host | undefined;
  let up: RunningUp | undefined;
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], {
      cwd: dir,
      encoding: "utf8",
      timeout: 90_000,
      env: { ...process.env, NO_COLOR: "1", SLIPWAY_URL: "", SLIPWAY_TOKEN: "" },
    });

  beforeAll(async () => {
    stateRoot = mkdtempSync(join(tmpdir(), "slipway-dataplanes-up-"));
    dir = mkdtempSync(join(tmpdir(), "slipway-dataplanes-project-"));
    host = await startHost(stateRoot, 0);
    mkdirSync(join(dir, "web"));
    writeFileSync(join(dir, "slipway.yaml"), yamlFor([host]));
    writeFileSync(join(dir, "web", "start.mjs"), START_SCRIPT);
    writeFileSync(join(dir, "web", "faults.json"), "{}");
    // The server resolves the host's token from its own environment (`\${DP_TOKEN}` in slipway.yaml).
    process.env.DP_TOKEN = TOKEN;
    up = await startUp(dir, 60_000);
  }, 120_000);

  afterAll(async () => {
    await up?.stop(); // also removes the project folder
    if (host) await host.proxy.stop(1_000);
    delete process.env.DP_TOKEN;
    removeAllNamespaces();
    rmSync(stateRoot, { recursive: true, force: true });
  }, 60_000);

  it("reads the hosts from slipway.yaml, sends them the table, and `slipway status` shows each", async () => {
    const deployed = cli("deploy", "web", "--env", "production", "--version", "v1", "--wait");
    expect(deployed.stderr).toBe("");
    expect(deployed.status).toBe(0);
    expect(await versionThrough(host!.url)).toBe("v1");
    const held = (await host!.proxy.client.health()).generation;
    const status = cli("status");
    expect(status.status).toBe(0);
    expect(status.stdout).toContain(
      `data plane host-1 http://${host!.ns.inside}:${host!.proxy.adminUrl.split(":").at(-1)}: in sync, generation ${held}`,
    );
  }, 120_000);
});
