#!/usr/bin/env node
/**
 * API latency with a long history (issue 7): a SQLite store seeded with ROLLOUTS finished rollouts
 * (5 services × 3 environments over 60 days, ~7 audit events each, a release with its commit time
 * per rollout), the real control plane (`slipway up`), and autocannon sending a fixed number of
 * authenticated requests to each endpoint. Peer in the same run: a bare node:http server answering
 * the same JSON bodies from memory (the floor: HTTP + loopback + autocannon, no Slipway).
 * Target: p99 ≤ 10 ms for /api/status, /api/history?limit=50, /api/rollouts?limit=50.
 * With `--database postgres` the seeded history is moved into a fresh PostgreSQL database
 * (`slipway backup` of the SQLite file, `slipway restore` into 127.0.0.1:5432 or SLIPWAY_TEST_POSTGRES)
 * and the server runs on it; its figures go to a section of their own, beside SQLite's.
 * Each Slipway row also gives the CPU time per request of the server process (user + sys, /proc)
 * and, on PostgreSQL, of the database's backends (its pool's connections).
 * Usage: npm run build && node bench/api-latency.mjs [--rollouts 10000] [--requests 2000] [--connections 1,10]
 *   [--database sqlite|postgres] [--endpoints /api/status,/api/history] [--keep] [--no-write]
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import autocannon from "autocannon";
import * as esbuild from "esbuild";
import { cpuTicks, machine, percentile, ROOT, startChild, writeResultsSection } from "./lib/proxy-bench.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const ROLLOUTS = Number(arg("rollouts", "10000"));
const REQUESTS = Number(arg("requests", "2000"));
const CONNECTIONS = arg("connections", "1,10").split(",").map(Number);
const SERVICES = ["web", "api", "worker", "search", "auth"];
const ENVIRONMENTS = ["dev", "staging", "production"];
const ENDPOINTS = [
  "/api/status",
  "/api/history?limit=50",
  "/api/rollouts?limit=50",
  "/api/metrics/delivery?environment=production",
].filter((path) => (arg("endpoints", undefined)?.split(",") ?? [path]).some((e) => path.startsWith(e)));
const WRITE = !process.argv.includes("--no-write");
const TARGET_MS = 10;
const DATABASE = arg("database", "sqlite");
if (DATABASE !== "sqlite" && DATABASE !== "postgres")
  throw new Error(`--database: sqlite or postgres, not ${DATABASE}`);

// ---- project and seeded store -------------------------------------------------------------------
mkdirSync(join(ROOT, "node_modules", ".cache"), { recursive: true });
const dir = mkdtempSync(join(ROOT, "node_modules", ".cache", "slipway-bench-api-"));
const yaml = [
  "project: { name: bench }",
  "services:",
  ...SERVICES.flatMap((s) => [
    `  ${s}:`,
    `    path: ${s}`,
    "    start: node app.mjs",
    `    routes: [{ hosts: [shop.test], pathPrefix: /${s} }]`,
  ]),
  "environments:",
  ...ENVIRONMENTS.flatMap((e) => [
    `  ${e}:`,
    "    services:",
    ...SERVICES.map((s) => `      ${s}: { routes: [{ hosts: [${e}.shop.test], pathPrefix: /${s} }] }`),
  ]),
  "",
].join("\n");
writeFileSync(join(dir, "slipway.yaml"), yaml);
for (const s of SERVICES) {
  mkdirSync(join(dir, s));
  writeFileSync(join(dir, s, "app.mjs"), "");
}

// The store is TypeScript: bundle its modules next to node_modules (better-sqlite3 stays external).
const bundle = join(dir, "store.mjs");
await esbuild.build({
  stdin: {
    contents: `
      export { openSqliteStore } from "./src/store/sqlite/store.ts";
      export { loadProjectConfig } from "./src/config/load.ts";
      export { prepareFromConfig } from "./src/rollouts/release-source.ts";`,
    resolveDir: ROOT,
    loader: "ts",
  },
  bundle: true,
  platform: "node",
  format: "esm",
  packages: "external",
  outfile: bundle,
  logLevel: "error",
});
const store = await import(bundle);

const seeded = {};
const seedStarted = Date.now();
await seed();
const seedSeconds = (Date.now() - seedStarted) / 1000;

/** Deterministic history: promoted 85 %, rolled back 10 % (various triggers), superseded 5 %. */
async function seed() {
  let state = 42;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const config = store.loadProjectConfig(dir);
  const opened = store.openSqliteStore(join(dir, ".slipway", "slipway.db"));
  const { db, rollouts, releases } = opened;
  const live = new Map();
  const end = Date.now() - 3_600_000;
  const step = (60 * 86_400_000) / ROLLOUTS;
  const reasons = [
    "error rate 12.5% > 5.0% over 60000ms (25/200 requests 5xx)",
    "p95 2400ms > 2000ms over 60000ms",
    "candidate not ready within 2m (1/2 instances ready)",
    "manual rollback by alice: checkout errors",
    "smoke command failed: exit 1",
  ];
  // One transaction around the whole seed (the store's own transactions nest as savepoints).
  db.exec("BEGIN IMMEDIATE");
  {
    for (let i = 0; i < ROLLOUTS; i++) {
      const service = SERVICES[Math.floor(random() * SERVICES.length)];
      const environment = ENVIRONMENTS[Math.floor(random() * ENVIRONMENTS.length)];
      const version = `v1.${Math.floor(i / 100)}.${i % 100}`;
      const t0 = end - (ROLLOUTS - i) * step;
      const scope = `${service}/${environment}`;
      const stable = live.get(scope);
      const candidate = { id: `${scope}@${version}`, version };
      const releaseDir = join(dir, ".slipway", "releases", service, version);
      await releases.saveRelease({
        service,
        version,
        ref: version,
        commit: (i + 1).toString(16).padStart(40, "a"),
        committedAt: new Date(t0 - Math.round(600_000 + random() * 3 * 86_400_000)).toISOString(),
        digest: `sha256:${"0".repeat(64)}`,
        status: "built",
        dir: releaseDir,
        buildLog: `${releaseDir}.build.log`,
        createdAt: new Date(t0 - 60_000).toISOString(),
        finishedAt: new Date(t0 - 1_000).toISOString(),
      });
      const prepared = store.prepareFromConfig(config, { service, environment, version }, releaseDir);
      const r = await rollouts.createRollout({
        rollout: {
          service,
          environment,
          kind: "deploy",
          strategy: "blue-green",
          candidate,
          ...(stable ? { stable } : {}),
          phase: "pending",
          phaseSince: t0,
          createdAt: t0,
          actor: random() < 0.7 ? "ci" : "alice",
          settings: prepared.settings,
        },
        spec: prepared.spec,
        routes: prepared.routes,
      });
      const at = (ms) => t0 + ms;
      const commit = (transition) => rollouts.commitTransition(r.id, transition, "controller");
      await commit({
        kind: "start-candidate",
        patch: { phase: "starting", phaseSince: at(2_000) },
        traffic: { kind: "add-preview", revision: candidate.id },
        event: { type: "rollout.candidate-started", message: `starting ${candidate.id}` },
      });
      const dice = random();
      if (dice < 0.05) {
        await commit({
          kind: "rollback",
          patch: {
            phase: "draining",
            phaseSince: at(5_000),
            outcome: "superseded",
            reason: "superseded",
            retire: candidate,
          },
          traffic: { kind: "remove", revision: candidate.id },
          event: { type: "rollout.superseded", message: `${candidate.id} superseded` },
        });
      } else {
        await commit({
          kind: "switch-traffic",
          patch: { phase: "analysing", phaseSince: at(15_000), switchedAt: at(15_000), restartsAtSwitch: 0 },
          traffic: { kind: "switch", to: candidate.id },
          event: { type: "rollout.switched", message: `traffic switched to ${candidate.id}` },
        });
        if (dice < 0.15 && stable) {
          const reason = reasons[Math.floor(random() * reasons.length)];
          await commit({
            kind: "rollback",
            patch: {
              phase: "draining",
              phaseSince: at(40_000),
              outcome: "rolled-back",
              reason,
              retire: candidate,
            },
            traffic: { kind: "switch", to: stable.id, drop: candidate.id },
            event: {
              type: "rollout.rollback",
              message: `${candidate.id} rolled back to ${stable.id}: ${reason}`,
            },
          });
        } else {
          await commit({
            kind: "scale-down",
            patch: {
              phase: "warm",
              phaseSince: at(75_000),
              outcome: "promoted",
              ...(stable ? { retire: stable } : {}),
            },
            event: { type: "rollout.promoted", message: `${candidate.id} promoted` },
          });
          await commit({
            kind: "drain",
            patch: { phase: "draining", phaseSince: at(135_000) },
            ...(stable ? { traffic: { kind: "remove", revision: stable.id } } : {}),
            event: { type: "rollout.draining", message: `draining ${stable?.id ?? "?"}` },
          });
          live.set(scope, candidate);
        }
      }
      await commit({
        kind: "stop",
        patch: { phase: "stopping", phaseSince: at(140_000) },
        event: { type: "rollout.stopping", message: "stopping" },
      });
      const outcome = (await rollouts.getRollout(r.id)).outcome;
      await commit({
        kind: "done",
        patch: { phase: outcome, phaseSince: at(145_000) },
        event: { type: "rollout.finished", message: `rollout ${outcome}` },
      });
    }
  }
  db.exec("COMMIT");
  const counts = {
    rollouts: db.prepare("SELECT COUNT(*) AS n FROM rollouts").get().n,
    events: db.prepare("SELECT COUNT(*) AS n FROM audit_events").get().n,
  };
  db.close();
  Object.assign(seeded, counts);
}

// ---- PostgreSQL: the same history, moved over by backup and restore --------------------------------
let postgres;
if (DATABASE === "postgres") {
  const base = process.env.SLIPWAY_TEST_POSTGRES ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `slipway_bench_api_${process.pid}`;
  const url = new URL(base);
  url.pathname = `/${name}`;
  const psql = (sql) => execFileSync("psql", [base, "-qAtc", sql], { stdio: "pipe" }).toString();
  psql(`CREATE DATABASE "${name}"`);
  postgres = {
    url: url.toString(),
    drop: () => psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
    /** CPU ticks of each backend connected to the database now. */
    backends() {
      const pids = psql(`SELECT pid FROM pg_stat_activity WHERE datname = '${name}'`).trim();
      return new Map((pids ? pids.split("\n") : []).map((pid) => [pid, cpuTicks(Number(pid), true)]));
    },
  };
  process.on("exit", () => postgres.drop());
  const file = join(dir, "history.jsonl");
  const cli = (...args) =>
    execFileSync(process.execPath, [join(ROOT, "bin/slipway.js"), ...args], { stdio: "pipe" });
  cli("backup", "--out", file, "--database", join(dir, ".slipway", "slipway.db"));
  cli("restore", file, "--database", postgres.url);
}

// ---- the control plane on the seeded store ------------------------------------------------------
const up = startChild(
  process.execPath,
  [
    join(ROOT, "bin/slipway.js"),
    "up",
    "--dir",
    dir,
    "--port",
    "0",
    "--proxy-port",
    "0",
    ...(postgres ? ["--database", postgres.url] : []),
  ],
  { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SLIPWAY_LOG_LEVEL: "warn", NO_COLOR: "1" } },
);
// The proxy is detached from `slipway up`: if anything below throws, still take it down.
process.on("exit", () => {
  up.child.kill("SIGKILL");
  killLeftovers();
});
let out = "";
up.child.stdout.on("data", (chunk) => (out += chunk));
for (let i = 0; i < 600 && !/API\s+http/.test(out); i++) await sleep(50);
const api = /API\s+(http:\/\/\S+)/.exec(out)?.[1];
if (!api) throw new Error(`slipway up did not start: ${out}${up.stderr()}`);
const token = readFileSync(join(dir, ".slipway", "admin-token"), "utf8").trim();
const headers = { authorization: `Bearer ${token}` };
// The API limits each token (20 req/s, bursts of 120): spread the load over many viewer-like
// clients, as many dashboards and CI jobs would, so every answer measured is a real one, not a 429.
const TOKENS = 200;
const tokens = [];
for (let i = 0; i < TOKENS; i++) {
  const res = await fetch(`${api}/api/tokens`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ name: `bench-${i}`, role: "admin" }),
  });
  if (res.status === 429) {
    // The admin token's own limit: wait as told and create this one again.
    await sleep(1000 * Number(res.headers.get("retry-after") ?? 1));
    i--;
    continue;
  }
  if (res.status !== 201) throw new Error(`POST /api/tokens: ${res.status} ${await res.text()}`);
  tokens.push((await res.json()).token);
}
let nextToken = 0;
const rotate = (req) => ({
  ...req,
  headers: { ...req.headers, authorization: `Bearer ${tokens[nextToken++ % TOKENS]}` },
});

// The floor: the same bodies from memory, in a process of its own like the server.
const bodies = {};
for (const path of ENDPOINTS) {
  const res = await fetch(`${api}${path}`, { headers });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  bodies[path] = await res.text();
}
const floorFile = join(dir, "floor.mjs");
writeFileSync(join(dir, "bodies.json"), JSON.stringify(bodies));
writeFileSync(
  floorFile,
  `import http from "node:http";
import { readFileSync } from "node:fs";
const bodies = JSON.parse(readFileSync(new URL("./bodies.json", import.meta.url), "utf8"));
const server = http.createServer((req, res) => {
  const body = bodies[req.url];
  if (body === undefined || req.headers.authorization === undefined) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
process.on("SIGTERM", () => process.exit(0));
`,
);
const floor = startChild(process.execPath, [floorFile], { stdio: ["ignore", "pipe", "pipe"] });
let floorOut = "";
floor.child.stdout.on("data", (chunk) => (floorOut += chunk));
for (let i = 0; i < 200 && !/\d+/.test(floorOut); i++) await sleep(25);
const floorUrl = `http://127.0.0.1:${floorOut.trim()}`;

/** autocannon's own percentiles are whole milliseconds: keep every response's time instead. */
const load = (url, connections, amount) =>
  new Promise((done, fail) => {
    const times = [];
    let errors = 0;
    const started = process.hrtime.bigint();
    const instance = autocannon(
      { url, connections, amount, headers, requests: [{ setupRequest: rotate }] },
      (error, result) => {
        if (error) return fail(error);
        times.sort((a, b) => a - b);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        done({
          p50: percentile(times, 50),
          p99: percentile(times, 99),
          rps: Math.round(times.length / seconds),
          errors: errors + result.errors + result.timeouts,
        });
      },
    );
    instance.on("response", (_client, status, _bytes, ms) => {
      if (status === 200) times.push(ms);
      else errors++;
    });
  });

const rows = [];
for (const connections of CONNECTIONS) {
  for (const path of ENDPOINTS) {
    for (const [peer, base] of [
      ["slipway", api],
      ["floor (node:http, same bodies from memory)", floorUrl],
    ]) {
      // The delivery report reads thousands of rows per answer: fewer requests keep the run short.
      const amount = path.startsWith("/api/metrics") ? Math.max(50, REQUESTS / 10) : REQUESTS;
      await load(`${base}${path}`, connections, Math.max(50, amount / 10)); // warm-up
      const mine = peer === "slipway";
      const cpuBefore = mine ? cpuTicks(up.child.pid, true) : 0;
      const pgBefore = mine && postgres ? postgres.backends() : undefined;
      const r = await load(`${base}${path}`, connections, amount);
      const cost = {};
      if (mine) {
        // Ticks are 10 ms: per request in ms = ticks × 10 / requests.
        cost.cpuMs = ((cpuTicks(up.child.pid, true) - cpuBefore) * 10) / amount;
        if (pgBefore) {
          // Backends are the server's pool connections (a pool may open more meanwhile).
          let ticks = 0;
          for (const [pid, after] of postgres.backends()) ticks += after - (pgBefore.get(pid) ?? 0);
          cost.dbCpuMs = (ticks * 10) / amount;
        }
      }
      rows.push({ connections, path, peer, ...r, ...cost, amount, bytes: Buffer.byteLength(bodies[path]) });
      const row = rows.at(-1);
      console.log(
        `c=${connections} ${path} ${peer}: p50 ${row.p50.toFixed(2)} ms, p99 ${row.p99.toFixed(2)} ms, ${row.rps} req/s, errors ${row.errors}` +
          (mine ? `, server CPU ${row.cpuMs.toFixed(2)} ms/req` : "") +
          (row.dbCpuMs !== undefined ? `, PostgreSQL CPU ${row.dbCpuMs.toFixed(2)} ms/req` : ""),
      );
    }
  }
}

// ---- clean up: control plane, proxy, anything started in the project directory --------------------
await floor.stop();
await up.stop();
killLeftovers();
if (process.argv.includes("--keep")) console.log(`kept ${dir}`);
else rmSync(dir, { recursive: true, force: true });

/** Synchronous (it also runs on exit): the detached proxy's group, then anything working in `dir`. */
function killLeftovers() {
  try {
    process.kill(-JSON.parse(readFileSync(join(dir, ".slipway/proxy/proxy.json"), "utf8")).pid, "SIGKILL");
  } catch {
    // gone already
  }
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) process.kill(Number(pid), "SIGKILL");
    } catch {
      // exited already
    }
  }
}

// ---- RESULTS.md ------------------------------------------------------------------------------------
const m = machine();
const fmt = (n) => (Number.isFinite(n) ? n.toFixed(2) : "n/a");
const dash = (n) => (n === undefined ? "–" : fmt(n));
const table = [
  `| connections | endpoint | peer | requests | p50 ms | p99 ms | req/s | server CPU ms/req |${postgres ? " PostgreSQL CPU ms/req |" : ""} body | errors |`,
  `| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |${postgres ? " ---: |" : ""} ---: | ---: |`,
  ...rows.map(
    (r) =>
      `| ${r.connections} | \`${r.path}\` | ${r.peer} | ${r.amount} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.rps} | ${dash(r.cpuMs)} |${postgres ? ` ${dash(r.dbCpuMs)} |` : ""} ${(r.bytes / 1024).toFixed(1)} KiB | ${r.errors} |`,
  ),
];
const misses = rows.filter(
  (r) => r.peer === "slipway" && !r.path.startsWith("/api/metrics") && r.p99 > TARGET_MS,
);
(WRITE ? writeResultsSection : (_marker, markdown) => console.log(`\n${markdown}`))(
  DATABASE === "postgres" ? "api-latency-postgres" : "api-latency",
  `## API: latency with ${seeded.rollouts} rollouts in history${DATABASE === "postgres" ? ", on PostgreSQL" : ""} (\`node bench/api-latency.mjs${DATABASE === "postgres" ? " --database postgres" : ""}\`)

${m.date} · ${m.cpu} · ${m.memory} · ${m.kernel} · Node ${m.node} · load average at the end ${m.load} (shared machine; figures are noisy).
Store: ${DATABASE === "postgres" ? "PostgreSQL (local server, 127.0.0.1:5432; the history below moved in by `slipway backup` of the seeded SQLite file and `slipway restore`): " : ""}SQLite seeded with ${seeded.rollouts} finished rollouts and ${seeded.events} audit events (${SERVICES.length} services × ${ENVIRONMENTS.length} environments over 60 days; 85 % promoted, 10 % rolled back, 5 % superseded; one release with its commit time per rollout) in ${seedSeconds.toFixed(1)} s.
Server: \`slipway up\` (real proxy, control plane, bearer token). Load: autocannon at a fixed request count per endpoint and peer (after a tenth as many to warm up), keep-alive, loopback, spread over 200 tokens (the API allows 20 req/s per token); percentiles from every response's own time (autocannon's are whole milliseconds); CPU ms/req: user + sys of the server process${DATABASE === "postgres" ? " and of PostgreSQL's backends serving it" : ""} over the measured requests (/proc, 10 ms ticks).
Peer: a bare node:http server answering the same JSON bodies from memory — the floor of HTTP + JSON transfer on this machine.

${table.join("\n")}

Target (issue 7): p99 ≤ ${TARGET_MS} ms for status, history and rollouts → ${misses.length === 0 ? "met at every concurrency measured" : `missed by ${misses.map((r) => `\`${r.path}\` at ${r.connections} connections (${fmt(r.p99)} ms)`).join(", ")}`}. The delivery report (30-day window over the whole history) is shown for reference; it has no target.`,
);
