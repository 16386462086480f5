#!/usr/bin/env node
/**
 * Canary benchmark (issue 6), end to end through `slipway up` (real proxy, real processes, the
 * fixture app): a canary at 20 % whose instance starts failing 10 % of its requests a random time
 * after it took traffic (FAIL_AFTER_MS). Measured from the fault's first failing-era request (the
 * app logs "fault starts") to
 *   - the rollback decision (the rollout's `rollout.rollback` event), and
 *   - rollback complete: the first send time after which no request reaches the bad revision,
 * and the requests that reached the bad revision after the fault began. Analysis interval 1 s, 5 s,
 * 10 s (target: rolled back within two intervals). Steady background load through the proxy.
 *
 * Peer in the same run: blue-green with its error-rate trigger over the same window (`for` = the
 * interval, checked every 250 ms), where the bad revision takes all the traffic after its switch.
 * "No analysis" is not a peer: nothing ever rolls the canary back, so both figures are unbounded.
 *
 * Usage: npm run build && node bench/canary.mjs [--runs N] [--intervals 1,5,10] [--dry (print, do not write)]
 */
import { spawn } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request } from "undici";
import { writeResultsSection } from "./lib/results.mjs";

const root = resolve(import.meta.dirname, "..");
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const RUNS = Number(arg("--runs", "3"));
const INTERVALS_S = arg("--intervals", "1,5,10").split(",").map(Number);
const CANARY_WEIGHT = 20;
const FAIL_RATE = 0.1;
const LOAD = { connections: 4, pauseMs: 5 };

const dir = mkdtempSync(join(tmpdir(), "slipway-bench-canary-"));
const fixtureApp = join(root, "test/fixtures/apps/app.mjs");
mkdirSync(join(dir, "web"));
// The start script applies the knobs of faults.json for SLIPWAY_VERSION (as test/rollouts/world.ts).
writeFileSync(
  join(dir, "web", "start.mjs"),
  `import { readFileSync } from "node:fs";
const faults = JSON.parse(readFileSync(new URL("./faults.json", import.meta.url), "utf8"));
const version = process.env.SLIPWAY_VERSION ?? "dev";
Object.assign(process.env, { VERSION: version }, faults[version] ?? {});
await import(${JSON.stringify(fixtureApp)});
`,
);
const faults = { v1: {} };
const writeFaults = () => writeFileSync(join(dir, "web", "faults.json"), JSON.stringify(faults));
writeFaults();

/** slipway.yaml for one cell; read afresh by every deploy, so one control plane serves every run. */
function projectYaml(strategy, intervalS) {
  const common = `project: { name: bench-canary }
services:
  web:
    path: web
    start: node start.mjs
    replicas: 1
    readiness: { http: { path: /healthz }, period: 100ms, timeout: 1s }
    stopGracePeriod: 2s
environments:
  production:
    readinessTimeout: 10s
    scaleDownDelay: 1s
    drainTimeout: 1s
`;
  if (strategy === "canary") {
    const metric = `{ name: error rate, provider: proxy, judge: threshold, statistic: error-rate, max: 0.05, minSamples: 10, unit: ratio, interval: ${intervalS}s, onInconclusive: wait }`;
    return `${common}    strategy: canary
    steps: [ { setWeight: ${CANARY_WEIGHT} }, { pause: 10m } ]
    analysis:
      window: ${intervalS}s      # each measurement judges the last interval's requests
      interval: ${intervalS}s
      triggers: { errorRate: false, latency: false, latencyVsBaseline: false }
      metrics: [ ${metric} ]
`;
  }
  return `${common}    strategy: blue-green
    analysis:
      window: ${3 * intervalS + 20}s
      interval: 250ms
      minRequests: 10
      triggers: { errorRate: { above: 5%, for: ${intervalS}s }, latency: false, latencyVsBaseline: false }
`;
}
writeFileSync(join(dir, "slipway.yaml"), projectYaml("canary", 1));

const up = spawn(
  process.execPath,
  [join(root, "bin/slipway.js"), "up", "--dir", dir, "--port", "0", "--proxy-port", "0"],
  { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, SLIPWAY_LOG_LEVEL: "warn", NO_COLOR: "1" } },
);
let out = "";
up.stdout.on("data", (d) => (out += d));
let api, traffic;
for (let i = 0; i < 600 && !(api && traffic); i++) {
  api = /API\s+(http:\/\/\S+)/.exec(out)?.[1];
  traffic = /traffic\s+(http:\/\/\S+)/.exec(out)?.[1];
  await sleep(50);
}
if (!api) throw new Error(`slipway up did not start: ${out}`);
// The control plane writes its admin token on first start (absent on servers without auth).
let token;
try {
  token = readFileSync(join(dir, ".slipway", "admin-token"), "utf8").trim();
} catch {
  token = undefined;
}

/** The API, as a client would call it: polled at 10/s (the API allows 20/s a token), 429 honoured. */
const call = async (method, path, body) => {
  for (;;) {
    const res = await request(`${api}${path}`, {
      method,
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body && JSON.stringify(body),
    });
    const json = await res.body.json();
    if (res.statusCode === 429) {
      await sleep(1000 * Number(res.headers["retry-after"] ?? 1));
      continue;
    }
    if (res.statusCode >= 400) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
    return json;
  }
};
const FINAL = ["promoted", "rolled-back", "failed", "superseded"];
const waitRollout = async (id, done, timeoutMs) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await call("GET", `/api/rollouts/${id}`);
    if (done(answer.rollout) || Date.now() > deadline) return answer;
    await sleep(100);
  }
};
const deploy = (version) =>
  call("POST", "/api/deployments", { service: "web", environment: "production", version, reason: "bench" });

// Steady background load; each response logged with its send time, version and status.
const agent = new Agent({ connections: 8, keepAliveTimeout: 10_000 });
let log = [];
let connectionErrors = 0;
let requestsTotal = 0;
const loadStarted = Date.now();
let loading = true;
const loops = Array.from({ length: LOAD.connections }, async () => {
  while (loading) {
    const sent = Date.now();
    try {
      const res = await request(`${traffic}/`, { dispatcher: agent });
      await res.body.text();
      log.push([sent, String(res.headers["x-app-version"] ?? "proxy"), res.statusCode]);
      requestsTotal++;
    } catch {
      connectionErrors++;
    }
    await sleep(LOAD.pauseMs);
  }
});

/** The earliest "fault starts" line the app logged for `version`, from the runtime's instance logs. */
function faultOnset(version) {
  const needle = ` ${version}: fault starts`;
  let first;
  const walk = (d) => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.size < 50 * 2 ** 20) {
        for (const line of readFileSync(path, "utf8").split("\n")) {
          if (!line.includes(needle)) continue;
          const at = Date.parse(/\d{4}-\d\d-\d\dT[\d:.]+Z/.exec(line)?.[0] ?? "");
          if (Number.isFinite(at) && (first === undefined || at < first)) first = at;
        }
      }
    }
  };
  walk(join(dir, ".slipway"));
  return first;
}

const v1 = (await deploy("v1")).rollout;
await waitRollout(v1.id, (r) => r.phase === "promoted", 30_000);

async function oneRun(strategy, intervalS, k) {
  const version = `${strategy === "canary" ? "c" : "bg"}${intervalS}s-${k}`;
  const I = intervalS * 1000;
  // The fault begins 1.5 s after start (ready, traffic taken) plus a random part of an interval.
  const failAfterMs = Math.round(1500 + Math.random() * I);
  faults[version] = { FAIL_RATE: String(FAIL_RATE), FAIL_AFTER_MS: String(failAfterMs) };
  writeFaults();
  writeFileSync(join(dir, "slipway.yaml"), projectYaml(strategy, intervalS));
  log = [];
  const started = await deploy(version);
  const { rollout, events } = await waitRollout(
    started.rollout.id,
    (r) => FINAL.includes(r.phase),
    failAfterMs + 10 * I + 60_000,
  );
  await sleep(300); // let the last in-flight requests land in the log
  const onset = faultOnset(version);
  const decided = events.find((e) => e.type === "rollout.rollback");
  const decidedAt = decided ? Date.parse(decided.at) : undefined;
  let lastBad = undefined;
  let reached = 0;
  let failed = 0;
  for (const [sent, v, status] of log) {
    if (v !== version) continue;
    if (onset !== undefined && sent >= onset) {
      reached++;
      if (status >= 500) failed++;
    }
    lastBad = Math.max(lastBad ?? 0, sent);
  }
  const record = (rollout.analysis ?? []).find((a) => a.outcome?.decision === "abort");
  const measurements = record?.metrics.find((m) => m.name === "error rate")?.state.measurements ?? [];
  const run = {
    strategy,
    intervalS,
    version,
    phase: rollout.phase,
    reason: rollout.reason,
    onset,
    toDecision: onset !== undefined && decidedAt !== undefined ? decidedAt - onset : undefined,
    toComplete: onset !== undefined && lastBad !== undefined ? lastBad + 1 - onset : undefined,
    reached,
    failed,
    measurements: measurements.length,
  };
  if (rollout.phase !== "rolled-back") {
    // Not caught: put v1 back so the next run starts from the same place.
    if (!FINAL.includes(rollout.phase))
      await call("POST", "/api/rollbacks", {
        service: "web",
        environment: "production",
        reason: "bench: not caught",
      });
    await sleep(3000);
  }
  process.stderr.write(`${JSON.stringify(run)}\n`);
  return run;
}

const runs = [];
try {
  for (const intervalS of INTERVALS_S) {
    for (let k = 1; k <= RUNS; k++) {
      runs.push(await oneRun("canary", intervalS, k));
      runs.push(await oneRun("blue-green", intervalS, k));
    }
  }
} finally {
  loading = false;
  await Promise.all(loops);
  await agent.close();
  // Clean up: control plane, instances (own process groups, found by their release directory), proxy.
  up.kill("SIGTERM");
  await sleep(1000);
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
}

const sorted = (xs) => xs.filter((x) => x !== undefined).sort((a, b) => a - b);
const median = (xs) => {
  const s = sorted(xs);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : undefined;
};
const max = (xs) => sorted(xs).at(-1);
const secs = (ms) => (ms === undefined ? "–" : `${(ms / 1000).toFixed(2)} s`);
const times = (ms, intervalS) => (ms === undefined ? "" : ` (${(ms / 1000 / intervalS).toFixed(2)}×)`);
const rows = [];
for (const intervalS of INTERVALS_S) {
  for (const strategy of ["canary", "blue-green"]) {
    const cell = runs.filter((r) => r.intervalS === intervalS && r.strategy === strategy);
    const caught = cell.filter((r) => r.phase === "rolled-back").length;
    const label =
      strategy === "canary"
        ? `canary ${CANARY_WEIGHT} %, analysis every ${intervalS} s`
        : `blue-green, error-rate trigger over ${intervalS} s`;
    rows.push(
      `| ${label} | ${caught}/${cell.length} | ${secs(median(cell.map((r) => r.toDecision)))}${times(median(cell.map((r) => r.toDecision)), intervalS)} / ${secs(max(cell.map((r) => r.toDecision)))} | ${secs(median(cell.map((r) => r.toComplete)))}${times(median(cell.map((r) => r.toComplete)), intervalS)} / ${secs(max(cell.map((r) => r.toComplete)))}${times(max(cell.map((r) => r.toComplete)), intervalS)} | ${median(cell.map((r) => r.reached))} / ${max(cell.map((r) => r.reached))} | ${median(cell.map((r) => r.failed))} / ${max(cell.map((r) => r.failed))} |`,
    );
  }
}
const rate = Math.round(requestsTotal / ((Date.now() - loadStarted) / 1000));
const machine = `${new Date().toISOString().slice(0, 19)}Z · ${cpus().length} × ${cpus()[0]?.model.trim()} · ${(totalmem() / 2 ** 30).toFixed(0)} GiB · Node ${process.version} · load average at the end ${loadavg()
  .map((x) => x.toFixed(1))
  .join(" ")}`;
const reasons = [
  ...new Set(runs.filter((r) => r.strategy === "canary").map((r) => r.reason?.replace(/\d+(\.\d+)?/g, "N"))),
]
  .filter(Boolean)
  .slice(0, 2);
const section = `## Canary: fault to rollback (\`node bench/canary.mjs --runs ${RUNS}\`)

${machine}

End to end through \`slipway up\` (control plane + proxy + one instance per revision of the fixture
app), ${LOAD.connections} connections of steady load (a ${LOAD.pauseMs} ms pause between requests, about ${rate} requests/s in all).
The bad revision starts failing ${FAIL_RATE * 100} % of its requests (every 10th) a random 1.5 s to 1.5 s + one
interval after it started, i.e. at a random point of an analysis interval. Clock starts at the
fault's first request (the app logs it). Canary: ${CANARY_WEIGHT} % of traffic, background analysis
\`error rate\` (proxy provider, threshold 5 %, at least 10 requests) every interval, over the last
interval (\`analysis.window\` = \`interval\`; a longer window dilutes a fresh fault with older requests). Peer, same run:
blue-green with its error-rate trigger (> 5 % over \`for\` = the interval, checked every 250 ms),
where the bad revision serves everything. ${RUNS} runs per row; median / max.

| strategy and interval | rolled back | fault → decision | fault → rollback complete (× interval) | requests to the bad revision after the fault | of which failed |
| --- | ---: | ---: | ---: | ---: | ---: |
${rows.join("\n")}

Reading: the canary decides at the end of the first interval whose requests show the fault (so
within two intervals, as the fault may begin just after a measurement), and until then only its
20 % share meets the fault: a third to a half as many requests reach the bad revision as with blue-green,
which exposes all the traffic but decides sooner (its trigger is evaluated every 250 ms over the
requests since the switch, up to \`for\`, so it does not wait for an interval to end). The machine
was shared with other sessions' test runs (load average above), which stretches the tails.

Target: canary rolled back within two analysis intervals of the fault. "Rollback complete": the first
send time after which no request reached the bad revision. Connection errors during the whole run:
${connectionErrors}. Reasons recorded: ${reasons.map((r) => `\`${r}\``).join("; ") || "–"}.`;
if (!process.argv.includes("--dry")) writeResultsSection("canary", section);
process.stdout.write(`${section}\n`);
