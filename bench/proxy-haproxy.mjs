#!/usr/bin/env node
// The HAProxy data plane (`slipway proxy --data-plane haproxy`, issue 14) against HAProxy alone,
// nginx and the upstream reached directly, in the same run: same harness as bench/proxy.mjs (a
// separate file while the built-in proxy's rows are reworked there; the lead may merge them).
//
//   node bench/proxy-haproxy.mjs [--duration 9] [--rounds 3] [--connections 50] [--upstream nginx|node] [--no-write]
//     [--compare path/to/other/bin/slipway.js --compare-label before]   (another build, same run)
// Each peer gets --duration seconds in total, split over --rounds turns; medians are reported.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  ROOT,
  ensureTools,
  freePort,
  machine,
  startChild,
  table,
  waitForPort,
  writeResultsSection,
  raiseAutogroupPriority,
  matchAutogroupPriority,
  cpuTicks,
  startNginx,
  startUpstream,
  wrk,
} from "./lib/proxy-bench.mjs";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "9" },
    rounds: { type: "string", default: "3" },
    warmup: { type: "string", default: "6" },
    connections: { type: "string", default: "50" },
    upstream: { type: "string", default: "nginx" },
    compare: { type: "string" },
    "compare-label": { type: "string", default: "before" },
    "no-write": { type: "boolean", default: false },
  },
});
const duration = Number(args.duration);
const connections = Number(args.connections);

ensureTools({ nginx: "nginx-light", haproxy: "haproxy", wrk: "wrk" });
execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { stdio: "inherit" });
const autogroup = raiseAutogroupPriority();

const work = mkdtempSync(join(tmpdir(), "slipway-bench-"));
const cleanups = [];
/** Where nginx peers live and how they are stopped (bench/lib/proxy-bench.mjs). */
const nginxWork = { work, cleanups };
const stopAll = async () => {
  for (const stop of cleanups.splice(0).reverse()) await stop();
};

const peers = {
  async direct(upstreamPort) {
    return `http://127.0.0.1:${upstreamPort}/`;
  },
  "slipway (haproxy)": (upstreamPort) => slipwayHaproxy(upstreamPort),
  ...(args.compare
    ? {
        [`slipway (haproxy) ${args["compare-label"]}`]: (upstreamPort) =>
          slipwayHaproxy(upstreamPort, args.compare),
      }
    : {}),
  "nginx (2 workers)": (upstreamPort) => nginxProxy(upstreamPort, 2),
  "haproxy (2 threads)": async (upstreamPort) => {
    const port = await freePort();
    const cfg = join(work, "haproxy.cfg");
    writeFileSync(
      cfg,
      `global
  maxconn 4000
  nbthread 2
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:${port}
  default_backend be
backend be
  http-reuse always
  server app 127.0.0.1:${upstreamPort}
`,
    );
    const proc = startChild("haproxy", ["-f", cfg, "-db"]);
    cleanups.push(() => proc.stop());
    await waitForPort(port);
    return { url: `http://127.0.0.1:${port}/`, pid: proc.child.pid };
  },
};

/** `slipway proxy --data-plane haproxy` (2 HAProxy threads), one route to the upstream. */
async function slipwayHaproxy(upstreamPort, bin = join(ROOT, "bin/slipway.js")) {
  const [listenPort, adminPort] = [await freePort(), await freePort()];
  const token = "bench-token";
  const stateDir = join(work, `slipway-haproxy-${listenPort}`);
  const proc = startChild(
    process.execPath,
    [
      bin,
      "proxy",
      "--data-plane",
      "haproxy",
      "--workers",
      "2",
      "--listen",
      `127.0.0.1:${listenPort}`,
      "--admin",
      `127.0.0.1:${adminPort}`,
      "--state-dir",
      stateDir,
    ],
    { env: { ...process.env, SLIPWAY_PROXY_TOKEN: token, SLIPWAY_LOG_LEVEL: "warn" } },
  );
  cleanups.push(() => proc.stop());
  const call = async (method, path, body) => {
    const res = await fetch(`http://127.0.0.1:${adminPort}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  for (let waited = 0; ; waited += 100) {
    try {
      await call("GET", "/v1/health");
      break;
    } catch (error) {
      if (waited > 30_000)
        throw new Error(`slipway proxy --data-plane haproxy did not start: ${proc.stderr()}`, {
          cause: error,
        });
      await new Promise((done) => setTimeout(done, 100));
    }
  }
  await call("PUT", "/v1/routes", table(1, [{ id: "app@1", ports: [upstreamPort] }]));
  const master = Number(readFileSync(join(stateDir, "haproxy", "master.pid"), "utf8"));
  console.log(`slipway's HAProxy master ${master}: autogroup ${matchAutogroupPriority(master)}`);
  // Its HAProxy master is a (detached) child: counted with it; `nodePid` alone is the log reader.
  return { url: `http://127.0.0.1:${listenPort}/`, pid: proc.child.pid, nodePid: proc.child.pid };
}

async function nginxProxy(upstreamPort, workers) {
  const port = await freePort();
  const proc = startNginx(
    nginxWork,
    `proxy-${workers}`,
    `worker_processes ${workers};`,
    `upstream app { server 127.0.0.1:${upstreamPort}; keepalive 128; }
  server { listen 127.0.0.1:${port};
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } }`,
  );
  await waitForPort(port);
  return { url: `http://127.0.0.1:${port}/`, pid: proc.child.pid };
}

const results = [];
let upstreamLabel;
const rounds = Number(args.rounds);
try {
  const upstream = await startUpstream({ ...nginxWork, kind: args.upstream });
  upstreamLabel = upstream.label;
  // Every peer runs from the start; they are measured in turns, round after round, so background
  // load on a shared machine spreads over all of them instead of hitting one.
  const urls = {};
  const pids = {};
  for (const [name, start] of Object.entries(peers)) {
    const started = await start(upstream.port);
    urls[name] = typeof started === "string" ? started : started.url;
    if (typeof started !== "string") pids[name] = started;
  }
  // Warm-up: pools, and V8's optimising compiler, which on a loaded machine needs seconds of
  // traffic before a Node process reaches its steady speed (C peers need none, but get the same).
  for (const url of Object.values(urls)) await wrk(url, { seconds: Number(args.warmup), connections });
  const runs = Object.fromEntries(Object.keys(urls).map((name) => [name, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const [name, url] of Object.entries(urls)) {
      const peer = pids[name];
      const ticks = peer ? cpuTicks(peer.pid) : 0;
      const nodeTicks = peer?.nodePid ? cpuTicks(peer.nodePid, true) : 0;
      const result = await wrk(url, { seconds: Math.max(1, Math.round(duration / rounds)), connections });
      // CPU time of all the peer's processes per request: steadier than req/s on a busy machine.
      result.cpuUs = peer ? ((cpuTicks(peer.pid) - ticks) * 10_000) / result.requests : NaN;
      result.nodeUs = peer?.nodePid
        ? ((cpuTicks(peer.nodePid, true) - nodeTicks) * 10_000) / result.requests
        : NaN;
      runs[name].push(result);
      console.log(
        `round ${round} ${name.padEnd(22)} ${result.rps.toFixed(0).padStart(8)} req/s   p50 ${result.p50.toFixed(2)} ms   p99 ${result.p99.toFixed(2)} ms   cpu ${result.cpuUs.toFixed(1)} µs/req (node ${result.nodeUs.toFixed(1)})   errors ${result.errors}`,
      );
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  for (const [name, list] of Object.entries(runs)) {
    results.push({
      name,
      rps: median(list.map((r) => r.rps)),
      p50: median(list.map((r) => r.p50)),
      p99: median(list.map((r) => r.p99)),
      cpuUs: median(list.map((r) => r.cpuUs)),
      nodeUs: median(list.map((r) => r.nodeUs)),
      errors: list.reduce((sum, r) => sum + r.errors, 0),
    });
  }
} finally {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
}

const info = machine();
const rpsOf = (name) => results.find((r) => r.name === name)?.rps ?? NaN;
const pct = (a, b) => `${((rpsOf(a) / rpsOf(b)) * 100).toFixed(0)} % of ${b}`;
const direct = results.find((r) => r.name === "direct");
const fmt = (v) => (Number.isNaN(v) ? "—" : v.toFixed(1));
const rows = results.map(
  (r) =>
    `| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.name === "direct" ? "—" : `${r.p99 >= direct.p99 ? "+" : "−"}${Math.abs(r.p99 - direct.p99).toFixed(2)}`} | ${fmt(r.cpuUs)} | ${fmt(r.nodeUs)} | ${r.errors} |`,
);
const markdown = `## Proxy: the HAProxy data plane, ${args.upstream} upstream (\`node bench/proxy-haproxy.mjs --upstream ${args.upstream}\`)

${info.date} · ${info.cpu}, ${info.memory} · ${info.kernel} · Node ${info.node} · ${info.nginx} · ${info.haproxy.replace(/ - https.*/, "")} · ${info.wrk.replace(/ Copyright.*/, "")}
Load average at the end of the run: ${info.load} (the machine is shared; figures are noisy).
Load: \`wrk -t1 -c${connections} --latency\` on loopback, ${Math.round(duration / rounds)} s per peer per round, ${rounds} rounds taken in turns (medians shown), after a ${args.warmup} s warm-up each; peers and wrk share one scheduling group (${autogroup}).
Upstream: ${upstreamLabel}; proxies keep upstream connections alive.
Proxy CPU µs/req: user + system time of all the peer's processes during its runs, per request (from /proc; steadier than req/s on a shared machine); "of it, Node" is the \`slipway proxy\` process alone (admin API and request-log reader), the rest its HAProxy.

| path | req/s | p50 ms | p99 ms | p99 added vs direct | proxy CPU µs/req | of it, Node | errors |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join("\n")}

Targets (issue 14): slipway (haproxy) within 5 % of haproxy alone → ${pct("slipway (haproxy)", "haproxy (2 threads)")}; at or above nginx (2 workers) → ${pct("slipway (haproxy)", "nginx (2 workers)")}; p99 added ≤ 1 ms.
`;
console.log(`\n${markdown}`);
if (!args["no-write"]) writeResultsSection(`proxy-haproxy-${args.upstream}`, markdown);
