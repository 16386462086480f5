/**
 * A highly available control plane for end-to-end tests and the failover benchmark: one project,
 * its proxy (started by `slipway up`, which is then killed: the proxy and the instances live on),
 * one PostgreSQL database, and `slipway server --ha` replicas as real processes; a webhook receiver
 * counting the notifications; steady traffic through the proxy.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { projectYaml, START_SCRIPT, withoutBaselineTrigger } from "../rollouts/project.js";
import { killProjectProcesses } from "../support/processes.js";

const BIN = resolve(import.meta.dirname, "../../bin/slipway.js");
export const FINAL = ["promoted", "rolled-back", "failed", "superseded"];

/**
 * The API as a user's script reaches it: fetch with the local admin token. (Not the CLI's
 * ApiClient: this harness is bundled for bench/, and must not pull in the server.)
 */
export class Api {
  constructor(
    readonly url: string,
    private readonly dir: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = readFileSync(join(this.dir, ".slipway", "admin-token"), "utf8").trim();
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  get<T>(path: string): Promise<T> {
    return this.call("GET", path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call("POST", path, body);
  }
}

/** A fresh database on the test server, and how to drop it. */
async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.SLIPWAY_TEST_POSTGRES ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `slipway_test_ha_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

export interface Replica {
  name: string;
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
  /** SIGSTOPped by a test: neither asked nor counted as leading. */
  paused?: boolean;
}

export interface Cluster {
  dir: string;
  traffic: string;
  replicas: Replica[];
  /** Every notification the receiver got, as "type rolloutId". */
  notifications: string[];
  /** Start one more replica (a follower unless nobody leads). */
  start(name: string): Promise<Replica>;
  /** The replica that leads now, as any live replica answers (bounded wait). */
  leader(timeoutMs?: number): Promise<Replica>;
  /** A client of the first live replica (followers forward changes to the leader). */
  api(): Api;
  close(): Promise<void>;
}

async function spawnSlipway(args: string[], env: Record<string, string>, ready: RegExp, timeoutMs = 30_000) {
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, SLIPWAY_LOG_LEVEL: "warn", NO_COLOR: "1", ...env },
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = ready.exec(out);
    if (match) return { child, match, output: () => out, exited };
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  child.kill("SIGKILL");
  throw new Error(`slipway ${args[0]} did not start: ${out}`);
}

export async function startCluster(options: { leaseMs: number; analysis?: string }): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), "slipway-ha-"));
  const database = await createDatabase();
  const url = new URL(database.url);
  url.searchParams.set("options", "-c synchronous_commit=off");
  const env = { SLIPWAY_DATABASE: url.toString() };
  const notifications: string[] = [];
  const receiver: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      try {
        const parsed = JSON.parse(body) as {
          event?: { type?: string; rolloutId?: string };
          type?: string;
          rolloutId?: string;
        };
        const event = parsed.event ?? parsed;
        notifications.push(`${event.type} ${event.rolloutId ?? ""}`);
      } catch {
        notifications.push(`unreadable ${body.slice(0, 40)}`);
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, "127.0.0.1", ok));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  mkdirSync(join(dir, "web"));
  const notify = `notifications:\n  channels:\n    - name: sink\n      kind: webhook\n      url: ${hook}\n`;
  writeFileSync(
    join(dir, "slipway.yaml"),
    withoutBaselineTrigger(projectYaml(options.analysis ?? "1s", notify)),
  );
  writeFileSync(join(dir, "web", "start.mjs"), START_SCRIPT);
  writeFileSync(join(dir, "web", "faults.json"), "{}");

  const replicas: Replica[] = [];
  const live = () =>
    replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null && !r.paused);
  const cluster: Cluster = {
    dir,
    traffic: "",
    replicas,
    notifications,
    async start(name) {
      const started = await spawnSlipway(
        ["server", "--ha", "--lease", `${options.leaseMs}ms`, "--dir", dir, "--port", "0"],
        env,
        /API\s+(http:\/\/\S+),/,
      );
      const replica = {
        name,
        child: started.child,
        url: started.match[1] as string,
        output: started.output,
        exited: started.exited,
      };
      replicas.push(replica);
      return replica;
    },
    async leader(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        for (const replica of live()) {
          try {
            const res = await fetch(`${replica.url}/api/health`, { signal: AbortSignal.timeout(3_000) });
            const body = (await res.json()) as { replica?: { role: string; leader?: string } };
            const leading = live().find((r) => r.url === body.replica?.leader);
            if (leading) return leading;
          } catch {
            // this one is going away; ask the next
          }
        }
        await sleep(50);
      }
      throw new Error(
        `no leader within ${timeoutMs} ms: ${replicas.map((r) => `${r.name} (exit ${r.child.exitCode ?? r.child.signalCode}${r.paused ? ", paused" : ""}): ${r.output().slice(-2000)}`).join("\n")}`,
      );
    },
    api() {
      const first = live()[0];
      if (!first) throw new Error("no live replica");
      return new Api(first.url, dir);
    },
    async close() {
      for (const replica of replicas) if (replica.paused) replica.child.kill("SIGCONT");
      for (const replica of live()) replica.child.kill("SIGTERM");
      await Promise.race([Promise.all(replicas.map((r) => r.exited)), sleep(5_000)]);
      for (const replica of live()) replica.child.kill("SIGKILL");
      killProjectProcesses(dir);
      await new Promise<void>((ok) => receiver.close(() => ok()));
      rmSync(dir, { recursive: true, force: true });
      await database.drop();
    },
  };
  // The proxy: `slipway up` starts it detached; killed, it leaves the proxy serving.
  const up = await spawnSlipway(
    ["up", "--dir", dir, "--port", "0", "--proxy-port", "0"],
    env,
    /traffic\s+(http:\/\/\S+)/,
  );
  cluster.traffic = (up.match[1] as string).replace(/[),]+$/, "");
  up.child.kill("SIGKILL");
  await up.exited;
  return cluster;
}

/** Steady traffic through the proxy until stopped: counts answers that are not 200. */
export function steadyLoad(traffic: string, concurrency = 2) {
  const seen = { ok: 0, bad: 0, errors: [] as string[] };
  let running = true;
  const workers = Array.from({ length: concurrency }, async () => {
    while (running) {
      try {
        const res = await fetch(`${traffic}/`);
        await res.text();
        if (res.status === 200) seen.ok++;
        else {
          seen.bad++;
          seen.errors.push(String(res.status));
        }
      } catch (error) {
        seen.bad++;
        seen.errors.push((error as Error).message);
      }
      await sleep(5);
    }
  });
  return {
    seen,
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}

/** Retries a change while no replica leads (503 with Retry-After during an election). */
export async function withRetry<T>(
  cluster: Cluster,
  work: (api: Api) => Promise<T>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await work(cluster.api());
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

export interface FailoverReport {
  rollouts: { id: string; version: string; phase: string }[];
  /** Per kill: ms from the SIGKILL to a new leader answering as such. */
  takeoversMs: number[];
  requests: { ok: number; bad: number; errors: string[] };
  /** Notifications received more than once ("type rolloutId"). */
  duplicates: string[];
  notifications: number;
}

/** Deploys `version` through any replica and answers the rollout's id (found by version after a lost answer). */
async function deploy(cluster: Cluster, version: string): Promise<string> {
  return withRetry(cluster, async (api: Api) => {
    try {
      const { rollout } = await api.post<{ rollout?: { id: string } }>("/api/deployments", {
        service: "web",
        environment: "production",
        version,
      });
      if (rollout) return rollout.id;
    } catch (error) {
      // The leader may have committed it and died before answering: look before trying again.
      const { rollouts } = await api.get<{ rollouts: { id: string; candidate: { version: string } }[] }>(
        "/api/rollouts?service=web&limit=5",
      );
      const found = rollouts.find((r) => r.candidate.version === version);
      if (found) return found.id;
      throw error;
    }
    throw new Error(`deploy of ${version} started nothing`);
  });
}

async function waitFinal(cluster: Cluster, id: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { rollout } = await cluster.api().get<{ rollout: { phase: string } }>(`/api/rollouts/${id}`);
      if (FINAL.includes(rollout.phase)) return rollout.phase;
    } catch {
      // a replica going away: ask another
    }
    if (Date.now() > deadline) throw new Error(`rollout ${id} did not finish in ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * N rollouts under steady load; during each, after a random delay, SIGKILL the leader and start a
 * replacement replica (so two always run). Measures each takeover, waits for every rollout to end.
 */
export async function failoverRun(
  cluster: Cluster,
  rollouts: number,
  random: () => number = Math.random,
): Promise<FailoverReport> {
  const report: FailoverReport = {
    rollouts: [],
    takeoversMs: [],
    requests: { ok: 0, bad: 0, errors: [] },
    duplicates: [],
    notifications: 0,
  };
  const first = await deploy(cluster, "v0");
  await waitFinal(cluster, first);
  const load = steadyLoad(cluster.traffic);
  try {
    for (let i = 1; i <= rollouts; i++) {
      const version = `v${i}`;
      const id = await deploy(cluster, version);
      // A random point of the rollout: starting, switching, analysing or retiring (it takes ~3-5 s).
      await sleep(Math.floor(random() * 4_000));
      const leader = await cluster.leader();
      const killedAt = Date.now();
      leader.child.kill("SIGKILL");
      await leader.exited;
      const next = await cluster.leader(60_000);
      report.takeoversMs.push(Date.now() - killedAt);
      if (next === leader) throw new Error("the killed replica still leads");
      // Two replicas again (the replacement follows), as a supervisor restarting the killed one would.
      await cluster.start(`r${cluster.replicas.length}`);
      report.rollouts.push({ id, version, phase: await waitFinal(cluster, id) });
    }
  } finally {
    await load.stop();
  }
  report.requests = load.seen;
  // Notifications are sent beside the rollouts: give the last ones a moment (bounded) to arrive.
  await sleep(1_000);
  const counts = new Map<string, number>();
  for (const n of cluster.notifications) counts.set(n, (counts.get(n) ?? 0) + 1);
  report.duplicates = [...counts].filter(([, c]) => c > 1).map(([n]) => n);
  report.notifications = cluster.notifications.length;
  return report;
}
