#!/usr/bin/env node
/**
 * Proxy recovery (issue 11): under steady load through `slipway up`, the proxy is SIGKILLed; how
 * long until traffic is served again, and how many requests fail meanwhile (target ≤ 2 s).
 * Slipway's control plane notices the dead proxy, starts a new one on the same traffic port and
 * state directory, and resends the desired table. Peer, in the same run: a bare restart loop
 * (`while :; do slipway proxy …; done`, what systemd's `Restart=always` with `RestartSec=0` does)
 * around a proxy with the same persisted table — the floor set by the proxy's own start time.
 * Usage: npm run build && node bench/proxy-recovery.mjs [--kills N] [--no-write]
 */
import { spawn } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { Agent, request } from "undici";
import {
  ROOT,
  freePort,
  machine,
  percentile,
  raiseAutogroupPriority,
  writeResultsSection,
} from "./lib/proxy-bench.mjs";

const { values: args } = parseArgs({
  options: { kills: { type: "string", default: "10" }, "no-write": { type: "boolean", default: false } },
});
const kills = Number(args.kills);
const CLIENTS = 4;
/** Pause between a client's requests: about 200 requests/s offered, so failures count requests, not spin. */
const PACE_MS = 20;
const BIN = join(ROOT, "bin/slipway.js");
/** The entry Slipway itself starts the proxy with (see spawnProxy): the peer uses it too. */
const PROXY_ENTRY = join(ROOT, "dist/proxy.js");
const autogroup = raiseAutogroupPriority();
const dir = mkdtempSync(join(tmpdir(), "slipway-bench-recovery-"));
const proxyDir = join(dir, ".slipway", "proxy");
const peerDir = join(dir, "peer-proxy");
const children = [];

const APP = `import http from "node:http";
const version = process.env.SLIPWAY_VERSION;
const server = http.createServer((req, res) => {
  res.writeHead(200, { "x-app-version": version, "content-type": "text/plain" });
  res.end(version);
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

const proxyPid = (stateDir) => {
  try {
    return JSON.parse(readFileSync(join(stateDir, "proxy.json"), "utf8")).pid;
  } catch {
    return undefined;
  }
};
const kill = (pid, signal) => {
  // Never 0 or -0: that would signal this benchmark's own process group.
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    // gone
  }
};

/** Steady paced load; every request logged as [sent, done, ok]. */
function load(url) {
  const agent = new Agent({ connections: CLIENTS, keepAliveTimeout: 10_000 });
  const log = [];
  let running = true;
  const loops = Array.from({ length: CLIENTS }, async () => {
    while (running) {
      const sent = performance.now();
      let ok = false;
      try {
        const res = await request(url, { dispatcher: agent, headersTimeout: 5_000, bodyTimeout: 5_000 });
        await res.body.text();
        ok = res.statusCode === 200;
      } catch {
        // refused or reset: a failed request
      }
      log.push([sent, performance.now(), ok]);
      await sleep(PACE_MS);
    }
  });
  return {
    log,
    async stop() {
      running = false;
      await Promise.all(loops);
      await agent.close();
    },
  };
}

/** Kill the proxy of `stateDir` `kills` times; per kill: ms to the first OK answer to a request sent after it, failed requests. */
async function measure(traffic, stateDir) {
  const samples = [];
  for (let i = 0; i < kills; i++) {
    const pid = await waitFor(() => proxyPid(stateDir), "a proxy");
    await sleep(1_000); // steady state between kills
    const killedAt = performance.now();
    kill(pid, "SIGKILL");
    const restarted = await waitFor(
      () => (proxyPid(stateDir) !== pid ? performance.now() : undefined),
      "a new proxy",
      30_000,
    );
    const recovered = await waitFor(
      () => {
        const first = traffic.log.find(([sent, , ok]) => sent >= killedAt && ok);
        return first && proxyPid(stateDir) !== pid ? first[1] : undefined;
      },
      "traffic served again",
      30_000,
    );
    const failed = traffic.log.filter(([sent, , ok]) => sent >= killedAt && sent <= recovered && !ok).length;
    samples.push({ ms: recovered - killedAt, restartedMs: restarted - killedAt, failed });
    console.log(
      `  kill ${i + 1}: new proxy after ${(restarted - killedAt).toFixed(0)} ms, served again after ${(recovered - killedAt).toFixed(0)} ms, ${failed} requests failed`,
    );
  }
  return samples;
}

async function waitFor(probe, what, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function instanceProcesses() {
  const releases = join(dir, ".slipway", "releases", "web") + "/";
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(releases)) pids.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

let slipway;
let peer;
let up;
try {
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
    analysis: { window: 200ms, interval: 100ms, triggers: { latencyVsBaseline: false } }
`,
  );
  up = spawn(process.execPath, [BIN, "up", "--dir", dir, "--port", "0", "--proxy-port", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, SLIPWAY_LOG_LEVEL: "error", NO_COLOR: "1" },
  });
  children.push(up);
  let out = "";
  up.stdout.on("data", (d) => (out += d));
  const api = await waitFor(() => /API\s+(http:\/\/\S+)/.exec(out)?.[1], "slipway up", 30_000);
  const traffic = /traffic\s+(http:\/\/\S+)/.exec(out)?.[1];
  const token = readFileSync(join(dir, ".slipway", "admin-token"), "utf8").trim();
  const call = async (method, path, body) => {
    const res = await request(`${api}${path}`, {
      method,
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: body && JSON.stringify(body),
    });
    return res.body.json();
  };
  const { rollout } = await call("POST", "/api/deployments", {
    service: "web",
    environment: "production",
    version: "v1",
  });
  for (;;) {
    const { rollout: r } = await call("GET", `/api/rollouts/${rollout.id}`);
    if (r.phase === "promoted") break;
    if (["rolled-back", "failed"].includes(r.phase)) throw new Error(`v1 did not promote: ${r.reason}`);
    await sleep(50);
  }

  console.log("slipway up (control plane restarts the proxy):");
  const slipwayLoad = load(`${traffic}/`);
  slipway = await measure(slipwayLoad, proxyDir);
  await slipwayLoad.stop();

  // The peer: the same persisted table (routing to the same running instances), restarted by a loop.
  up.kill("SIGTERM");
  await new Promise((ok) => up.once("exit", ok));
  mkdirSync(peerDir);
  for (const file of ["routes.json", "admin-token"]) copyFileSync(join(proxyDir, file), join(peerDir, file));
  const peerPort = await freePort();
  const loop = spawn(
    "bash",
    [
      "-c",
      `while :; do "${process.execPath}" "${PROXY_ENTRY}" proxy --listen 127.0.0.1:${peerPort} --admin 127.0.0.1:0 --state-dir "${peerDir}" >/dev/null 2>&1; done`,
    ],
    { stdio: "ignore", detached: true },
  );
  children.push(loop);
  console.log("restart loop (peer):");
  await waitFor(() => proxyPid(peerDir), "the peer proxy");
  const peerLoad = load(`http://127.0.0.1:${peerPort}/`);
  peer = await measure(peerLoad, peerDir);
  await peerLoad.stop();
} finally {
  for (const child of children) kill(-child.pid, "SIGKILL");
  kill(proxyPid(proxyDir), "SIGKILL");
  kill(proxyPid(peerDir), "SIGKILL");
  for (const pid of instanceProcesses()) kill(-pid, "SIGKILL");
  for (const child of children) kill(child.pid, "SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `${percentile(sorted, 50).toFixed(0)} / ${percentile(sorted, 95).toFixed(0)} / ${sorted.at(-1).toFixed(0)}`;
};
const row = (name, samples) =>
  `| ${name} | ${samples.length} | ${fmt(samples.map((s) => s.restartedMs))} | ${fmt(samples.map((s) => s.ms))} | ${fmt(samples.map((s) => s.failed))} |`;
const verdict = (samples) => {
  const sorted = samples.map((x) => x.ms).sort((a, b) => a - b);
  const median = percentile(sorted, 50);
  const p95 = percentile(sorted, 95);
  const met = (ms) => (ms <= 2_000 ? "met" : "missed");
  return `${met(median)} at the median (${median.toFixed(0)} ms), ${met(p95)} at p95 (${p95.toFixed(0)} ms) on this machine at this load`;
};
const info = machine();
const markdown = `## Proxy: recovery after SIGKILL (\`node bench/proxy-recovery.mjs\`)

${info.date} · ${info.cpu} · Node ${info.node} · load average ${info.load} (shared machine; bench scheduling group ${autogroup}).
${CLIENTS} clients send GETs (about ${Math.round((CLIENTS * 1000) / PACE_MS)} requests/s offered) through the proxy to a 2-instance revision while the
proxy is SIGKILLed ${kills} times, a second apart. "Served again" is the kill → the first 200 answer to a
request sent after it, from the new proxy; "failed" counts the requests sent in that time that got no 200
(connection refused or reset). Slipway: \`slipway up\`'s control plane notices the dead proxy (it checks
every 250 ms tick), starts a new one on the same traffic port and state directory and resends the
desired table. Peer: a shell restart loop (\`while :; do slipway proxy …; done\`, what systemd's
\`Restart=always\` with \`RestartSec=0\` does) around a proxy with the same persisted table — the floor
set by the proxy's own start (both start \`dist/proxy.js\`, the proxy without the rest of the CLI).
"New proxy" is the kill → the new proxy's pid in \`proxy.json\` (written once it listens).
Values as median / p95 / max.

| supervisor | kills | new proxy in proxy.json (ms) | served again (ms) | failed requests |
| --- | ---: | --- | --- | --- |
${row("slipway up (control plane)", slipway)}
${row("restart loop (peer)", peer)}

Target (issue 11): traffic served again ≤ 2 s after the proxy dies: ${verdict(slipway)}.
Almost all of the time is the new proxy process starting (the peer's column), which grows with the
machine's load. Requests sent meanwhile are refused: the next step would be a warm standby proxy.
`;
console.log(`\n${markdown}`);
if (!args["no-write"]) writeResultsSection("proxy-recovery", markdown);
