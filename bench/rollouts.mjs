#!/usr/bin/env node
/**
 * Rollout benchmarks (issue 5), end to end through `slipway up` (real proxy, real processes):
 *   - cutover: decision to switch (the committed transition's time) → every new request answered
 *     by the new revision (target ≤ 10 ms);
 *   - rollback while warm: `POST /api/rollbacks` sent → every new request on the previous revision
 *     (target ≤ 1 s);
 *   - soak: CYCLES deploy + instant-rollback cycles under steady load, requests lost counted (goal 0).
 * Usage: npm run build && node bench/rollouts.mjs [--cycles N]   (writes its section of bench/RESULTS.md)
 */
import { spawn } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  readdirSync,
  readlinkSync,
} from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request } from "undici";

const root = resolve(import.meta.dirname, "..");
const cycles = Number(process.argv[process.argv.indexOf("--cycles") + 1] || 0) || 100;
const dir = mkdtempSync(join(tmpdir(), "slipway-bench-rollouts-"));

const APP = `import http from "node:http";
const version = process.env.SLIPWAY_VERSION;
const server = http.createServer((req, res) => {
  res.writeHead(req.url === "/healthz" ? 200 : 200, { "x-app-version": version, "content-type": "text/plain" });
  res.end(version);
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;
mkdirSync(join(dir, "web"));
writeFileSync(join(dir, "web", "app.mjs"), APP);
writeFileSync(
  join(dir, "slipway.yaml"),
  `project: { name: bench }
services:
  web:
    path: web
    start: node app.mjs
    replicas: 2
    readiness: { http: { path: /healthz }, period: 100ms, timeout: 1s }
    stopGracePeriod: 2s
environments:
  production:
    scaleDownDelay: 60s
    drainTimeout: 2s
    analysis: { window: 200ms, interval: 100ms, triggers: { latencyVsBaseline: false } }
`,
);

const up = spawn(
  process.execPath,
  [join(root, "bin/slipway.js"), "up", "--dir", dir, "--port", "0", "--proxy-port", "0"],
  {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, SLIPWAY_LOG_LEVEL: "warn", NO_COLOR: "1" },
  },
);
let out = "";
up.stdout.on("data", (d) => (out += d));
let api, traffic;
for (let i = 0; i < 400 && !(api && traffic); i++) {
  api = /API\s+(http:\/\/\S+)/.exec(out)?.[1];
  traffic = /traffic\s+(http:\/\/\S+)/.exec(out)?.[1];
  await sleep(50);
}
if (!api) throw new Error(`slipway up did not start: ${out}`);

const adminToken = () => readFileSync(join(dir, ".slipway", "admin-token"), "utf8").trim();
const call = async (method, path, body) => {
  const res = await request(`${api}${path}`, {
    method,
    // The API needs a token: the admin token `slipway up` wrote on first start.
    headers: { "content-type": "application/json", authorization: `Bearer ${adminToken()}` },
    body: body && JSON.stringify(body),
  });
  const json = await res.body.json();
  if (res.statusCode >= 400) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
  return json;
};
const waitRollout = async (id, done) => {
  for (;;) {
    const { rollout } = await call("GET", `/api/rollouts/${id}`);
    if (done(rollout)) return rollout;
    await sleep(20);
  }
};
const deploy = (version) =>
  call("POST", "/api/deployments", { service: "web", environment: "production", version });

const r1 = (await deploy("v1")).rollout;
await waitRollout(r1.id, (r) => r.phase === "promoted");

// Load: 4 connections back to back; every response logged with its send time and version.
const agent = new Agent({ connections: 8, keepAliveTimeout: 10_000 });
const log = [];
const lost = { errors: 0, non2xx: 0, total: 0, statuses: {} };
let loading = true;
const loops = Array.from({ length: 4 }, async () => {
  while (loading) {
    const sent = Date.now();
    try {
      const res = await request(`${traffic}/`, { dispatcher: agent });
      const version = await res.body.text();
      lost.total++;
      if (res.statusCode !== 200) {
        lost.non2xx++;
        lost.statuses[res.statusCode] = (lost.statuses[res.statusCode] ?? 0) + 1;
      }
      log.push([sent, version]);
      if (log.length > 200_000) log.splice(0, 100_000);
    } catch {
      lost.errors++;
    }
  }
});
/** First send time after which every response came from `version`, searching from `from`. */
const allNewSince = (from, version) => {
  let last = from;
  for (const [sent, v] of log) if (sent >= from && v !== version) last = Math.max(last, sent + 1);
  return last;
};

const cutovers = [];
const rollbacks = [];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const max = (xs) => Math.max(...xs);
const started = Date.now();
for (let i = 0; i < cycles; i++) {
  const version = `v${i + 2}`;
  const r = (await deploy(version)).rollout;
  const decided = await waitRollout(
    r.id,
    (x) => x.phase === "warm" || ["rolled-back", "failed"].includes(x.phase),
  );
  if (decided.phase !== "warm") throw new Error(`cycle ${i}: ${decided.phase} ${decided.reason}`);
  await sleep(150);
  cutovers.push(allNewSince(decided.switchedAt, version) - decided.switchedAt);
  const t0 = Date.now();
  const back = await call("POST", "/api/rollbacks", {
    service: "web",
    environment: "production",
    reason: "bench",
  });
  await sleep(150);
  rollbacks.push(allNewSince(t0, "v1") - t0);
  await waitRollout(back.rollout.id, (x) => x.phase === "rolled-back");
  process.stderr.write(
    `cycle ${i + 1}/${cycles}: cutover ${cutovers.at(-1)} ms, rollback ${rollbacks.at(-1)} ms\n`,
  );
}
const soakSeconds = ((Date.now() - started) / 1000).toFixed(0);
loading = false;
await Promise.all(loops);
await agent.close();

// Clean up: control plane, instances (own process groups), proxy.
up.kill("SIGTERM");
await sleep(500);
for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
  try {
    if (readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) process.kill(-Number(pid), "SIGKILL");
  } catch {
    // exited already
  }
}
try {
  process.kill(-JSON.parse(readFileSync(join(dir, ".slipway/proxy/proxy.json"), "utf8")).pid, "SIGKILL");
} catch {
  // exited already
}
rmSync(dir, { recursive: true, force: true });

const machine = `${new Date().toISOString().slice(0, 19)}Z · ${cpus().length} × ${cpus()[0]?.model.trim()} · ${(totalmem() / 2 ** 30).toFixed(0)} GiB · Node ${process.version} · load average at the end ${loadavg()
  .map((x) => x.toFixed(1))
  .join(" ")}`;
const section = `<!-- rollouts:start -->
## Rollouts: cutover, rollback while warm, soak (\`node bench/rollouts.mjs --cycles ${cycles}\`)

${machine}

End to end through \`slipway up\` (control plane + proxy + 2 instances per revision of a minimal node
HTTP app), 4 connections of steady load (back-to-back requests) through the proxy. No peer: Argo
Rollouts, Flagger and kamal-proxy publish no such figure (research note on progressive delivery, §9).

| measure | median | max | target |
| --- | ---: | ---: | --- |
| cutover: switch committed → every new request on the new revision | ${median(cutovers)} ms | ${max(cutovers)} ms | ≤ 10 ms |
| rollback while warm: API call sent → every new request on the previous revision | ${median(rollbacks)} ms | ${max(rollbacks)} ms | ≤ 1 s |

Soak: ${cycles} cycles of deploy (ready → switch → promoted) plus instant rollback in ${soakSeconds} s, under load:
${lost.total} requests, **${lost.errors} connection errors, ${lost.non2xx} non-2xx** ${JSON.stringify(lost.statuses)} (goal: 0 lost).
Resolution: a request counts for the revision that answered it, by its send time; the figures include
the proxy admin call and the route-table swap, and (rollback) the HTTP API round trip.
<!-- rollouts:end -->`;
const resultsFile = join(root, "bench/RESULTS.md");
let results = readFileSync(resultsFile, "utf8");
results = /<!-- rollouts:start -->[\s\S]*<!-- rollouts:end -->/.test(results)
  ? results.replace(/<!-- rollouts:start -->[\s\S]*<!-- rollouts:end -->/, section)
  : `${results.trimEnd()}\n\n${section}\n`;
writeFileSync(resultsFile, results);
process.stdout.write(`${section}\n`);
