#!/usr/bin/env node
// Proxy throughput and latency: the same upstream reached directly, through `slipway proxy`
// (1 and 2 workers), nginx and HAProxy, loaded by wrk on loopback. Installs nginx, haproxy and
// wrk (Debian) when missing. Each peer gets a short warm-up and a bounded run.
//
//   node bench/proxy.mjs [--duration 9] [--rounds 3] [--connections 50] [--upstream nginx|node]
//                        [--only direct,haproxy,nginx] [--compare path/to/dist/proxy.js --compare-label before]
//                        [--no-write]
// Reference rows: "node pipe" (http.request + pipe with a keep-alive agent) and "undici pool"
// (the built-in proxy's server and upstream client alone, the floor for its design), "llhttp socket"
// (the same server with plain sockets and Node's own response parser upstream: a leaner client's floor).
// Each peer gets --duration seconds in total, split over --rounds turns; medians are reported.
// --only keeps the peers whose names contain one of the given words (the HAProxy data plane
// against HAProxy alone, nginx and direct: --only direct,haproxy,nginx); such a run writes its own
// section of bench/RESULTS.md. --compare adds another build of the proxy (e.g. the previous
// commit's dist/proxy.js) as "slipway <label> (…)" rows, measured in the same run.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  ROOT,
  ensureTools,
  freePort,
  hasCommand,
  machine,
  matchAutogroupPriority,
  startChild,
  startSlipway,
  table,
  waitForPort,
  writeResultsSection,
  raiseAutogroupPriority,
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
    only: { type: "string" },
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

const allPeers = {
  async direct(upstreamPort) {
    return `http://127.0.0.1:${upstreamPort}/`;
  },
  "slipway (1 worker)": (upstreamPort) => slipway(upstreamPort, 1),
  "slipway (2 workers)": (upstreamPort) => slipway(upstreamPort, 2),
  ...(args.compare
    ? {
        [`slipway ${args["compare-label"]} (1 worker)`]: (upstreamPort) =>
          slipway(upstreamPort, 1, args.compare),
        [`slipway ${args["compare-label"]} (2 workers)`]: (upstreamPort) =>
          slipway(upstreamPort, 2, args.compare),
        ...(hasCommand("haproxy")
          ? {
              [`slipway ${args["compare-label"]} (haproxy)`]: (upstreamPort) =>
                slipwayHaproxy(upstreamPort, args.compare),
            }
          : {}),
      }
    : {}),
  // The plain Node way: http.request + pipe with a keep-alive agent, nothing else (its client
  // costs more CPU per request than undici's: compare with "undici pool (reference)").
  "node pipe (reference)": async (upstreamPort) => {
    const port = await freePort();
    const proc = startChild(process.execPath, [
      "--input-type=module",
      "-e",
      `import http from "node:http";
       const agent = new http.Agent({ keepAlive: true });
       http.createServer((req, res) => {
         const up = http.request({ host: "127.0.0.1", port: ${upstreamPort}, method: req.method, path: req.url, headers: req.headers, agent }, (r) => {
           res.writeHead(r.statusCode, r.headers);
           r.pipe(res);
         });
         req.pipe(up);
       }).listen(${port}, "127.0.0.1");`,
    ]);
    cleanups.push(() => proc.stop());
    await waitForPort(port);
    return { url: `http://127.0.0.1:${port}/`, pid: proc.child.pid };
  },
  // The floor for the built-in proxy's design: the same server and the same upstream client (an
  // undici Pool, as src/traffic/builtin), request and response headers passed through, nothing
  // else. What slipway (1 worker) costs above it is its own work (routing, headers, timers, stats).
  "undici pool (reference)": async (upstreamPort) => {
    const port = await freePort();
    const proc = startChild(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import http from "node:http";
       import { Pool } from "undici";
       const pool = new Pool("http://127.0.0.1:${upstreamPort}", { keepAliveTimeout: 4000, headersTimeout: 0, bodyTimeout: 0 });
       http.createServer((req, res) => {
         pool.dispatch({ method: req.method, path: req.url, headers: req.rawHeaders, body: req.method === "GET" || req.method === "HEAD" ? null : req }, {
           onRequestStart() {},
           onResponseStart(controller, status, headers) { if (status >= 200) res.writeHead(status, headers); },
           onResponseData(controller, chunk) { if (!res.write(chunk)) { controller.pause(); res.once("drain", () => controller.resume()); } },
           onResponseEnd() { res.end(); },
           onResponseError() { res.destroy(); },
         });
       }).listen(${port}, "127.0.0.1");`,
      ],
      // "undici" resolves from this checkout's node_modules.
      { cwd: ROOT },
    );
    cleanups.push(() => proc.stop());
    await waitForPort(port);
    return { url: `http://127.0.0.1:${port}/`, pid: proc.child.pid };
  },
  // What a leaner upstream client would give: the same server, upstream requests written on plain
  // keep-alive sockets and responses parsed by Node's own llhttp binding (the internal
  // node:_http_common HTTPParser). GET/HEAD-only sketch, no errors handled: a floor, not a proxy.
  ...(hasHttpParser() ? { "llhttp socket (reference)": llhttpSocket } : {}),
  // The HAProxy data plane (issue 14): `slipway proxy --data-plane haproxy`, 2 HAProxy threads.
  ...(hasCommand("haproxy") ? { "slipway (haproxy)": (upstreamPort) => slipwayHaproxy(upstreamPort) } : {}),
  "nginx (1 worker)": (upstreamPort) => nginxProxy(upstreamPort, 1),
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

/** The "llhttp socket (reference)" peer (see allPeers). */
async function llhttpSocket(upstreamPort) {
  const port = await freePort();
  const proc = startChild(process.execPath, [
    "--input-type=module",
    "-e",
    `import http from "node:http";
     import net from "node:net";
     import { createRequire } from "node:module";
     const { HTTPParser } = createRequire(import.meta.url)("_http_common");
     const HOP = new Set(["connection", "keep-alive", "transfer-encoding"]);
     const idle = [];
     const connect = () => {
       const socket = net.connect(${upstreamPort}, "127.0.0.1");
       const parser = new HTTPParser();
       parser.initialize(HTTPParser.RESPONSE, {}, 0, 0);
       parser[HTTPParser.kOnHeadersComplete] = (major, minor, headers, method, url, status, message, upgrade, keepAlive) => {
         const out = [];
         for (let i = 0; i < headers.length; i += 2) if (!HOP.has(headers[i].toLowerCase())) out.push(headers[i], headers[i + 1]);
         socket.res.writeHead(status, message, out);
         socket.keep = keepAlive;
         return socket.head ? 1 : 0;
       };
       parser[HTTPParser.kOnBody] = (chunk) => socket.res.write(chunk);
       parser[HTTPParser.kOnMessageComplete] = () => {
         const res = socket.res;
         socket.res = null;
         res.end();
         if (socket.keep) idle.push(socket); else socket.destroy();
       };
       socket.setNoDelay(true);
       socket.on("data", (data) => parser.execute(data));
       socket.on("error", () => socket.res?.destroy());
       return socket;
     };
     http.createServer((req, res) => {
       const socket = idle.pop() ?? connect();
       socket.res = res;
       socket.head = req.method === "HEAD";
       let head = req.method + " " + req.url + " HTTP/1.1\\r\\n";
       const raw = req.rawHeaders;
       for (let i = 0; i < raw.length; i += 2) head += raw[i] + ": " + raw[i + 1] + "\\r\\n";
       socket.write(head + "\\r\\n", "latin1");
     }).listen(${port}, "127.0.0.1");`,
  ]);
  cleanups.push(() => proc.stop());
  await waitForPort(port);
  return { url: `http://127.0.0.1:${port}/`, pid: proc.child.pid };
}

/** Node's own HTTP parser is internal (node:_http_common): the reference row needs it. */
function hasHttpParser() {
  try {
    return typeof createRequire(import.meta.url)("_http_common").HTTPParser === "function";
  } catch {
    return false;
  }
}

async function slipway(upstreamPort, workers, entry) {
  const [listenPort, adminPort] = [await freePort(), await freePort()];
  const proxy = await startSlipway({
    listenPort,
    adminPort,
    stateDir: join(work, `slipway-${workers}${entry ? "-compare" : ""}`),
    workers,
    entry,
  });
  cleanups.push(() => proxy.stop());
  const pid = proxy.child.pid;
  await proxy.call("PUT", "/v1/routes", table(1, [{ id: "app@1", ports: [upstreamPort] }]));
  return { url: `${proxy.url}/`, pid };
}

async function slipwayHaproxy(upstreamPort, entry) {
  const [listenPort, adminPort] = [await freePort(), await freePort()];
  const stateDir = join(work, `slipway-haproxy${entry ? "-compare" : ""}`);
  const proxy = await startSlipway({
    listenPort,
    adminPort,
    stateDir,
    workers: 2,
    dataPlane: "haproxy",
    entry,
  });
  cleanups.push(() => proxy.stop());
  await proxy.call("PUT", "/v1/routes", table(1, [{ id: "app@1", ports: [upstreamPort] }]));
  // HAProxy runs detached (its own autogroup): give it the benchmark's scheduling priority. Its
  // CPU time is counted with the proxy's (it is the Node process's child); `nodePid` alone is
  // the admin API and request-log reader.
  matchAutogroupPriority(Number(readFileSync(join(stateDir, "haproxy", "master.pid"), "utf8")));
  return { url: `${proxy.url}/`, pid: proxy.child.pid, nodePid: proxy.child.pid };
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

const wanted = args.only?.split(",").map((word) => word.trim().toLowerCase());
const peers = Object.fromEntries(
  Object.entries(allPeers).filter(
    ([name]) => !wanted || wanted.some((word) => name.toLowerCase().includes(word)),
  ),
);
if (Object.keys(peers).length === 0)
  throw new Error(`--only ${args.only}: no peer's name contains these words`);

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
      // The proxy's CPU time (all its processes) per request: steadier than req/s on a busy machine.
      result.cpuUs = peer ? ((cpuTicks(peer.pid) - ticks) * 10_000) / result.requests : NaN;
      result.nodeUs = peer?.nodePid
        ? ((cpuTicks(peer.nodePid, true) - nodeTicks) * 10_000) / result.requests
        : NaN;
      runs[name].push(result);
      console.log(
        `round ${round} ${name.padEnd(22)} ${result.rps.toFixed(0).padStart(8)} req/s   p50 ${result.p50.toFixed(2)} ms   p99 ${result.p99.toFixed(2)} ms   cpu ${result.cpuUs.toFixed(1)} µs/req${Number.isNaN(result.nodeUs) ? "" : ` (Node ${result.nodeUs.toFixed(1)})`}   errors ${result.errors}`,
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
const direct = results.find((r) => r.name === "direct");
const nginx2 = results.find((r) => r.name === "nginx (2 workers)");
const micros = (value) => (Number.isNaN(value) ? "—" : value.toFixed(1));
const rows = results.map(
  (r) =>
    `| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${!direct || r.name === "direct" ? "—" : `${r.p99 >= direct.p99 ? "+" : "−"}${Math.abs(r.p99 - direct.p99).toFixed(2)}`} | ${micros(r.cpuUs)} | ${micros(r.nodeUs)} | ${r.errors} |`,
);
/** A difference in ms with its sign ("+1.20 ms", "−0.40 ms"). */
const signedMs = (value) => `${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(2)} ms`;
/** The issue's targets for the built-in proxy, per row of this run. */
function targets() {
  const own = results.filter((r) => /^slipway \(\d workers?\)$/.test(r.name));
  const haproxyRow = results.find((r) => r.name === "slipway (haproxy)");
  const haproxyAlone = results.find((r) => r.name === "haproxy (2 threads)");
  const viaHaproxy =
    haproxyRow && haproxyAlone && nginx2 && direct
      ? `\nTargets (issue 14) for the HAProxy data plane: within 5 % of haproxy alone, ≥ nginx (2 workers), p99 added ≤ 1 ms → **${((haproxyRow.rps / haproxyAlone.rps) * 100).toFixed(0)} %** of haproxy alone, **${(haproxyRow.rps / nginx2.rps).toFixed(2)}x** nginx, **${signedMs(haproxyRow.p99 - direct.p99)}**; CPU ${haproxyRow.cpuUs.toFixed(0)} vs ${haproxyAlone.cpuUs.toFixed(0)} µs/req.`
      : "";
  const builtIn =
    own.length > 0 && nginx2 && direct
      ? `Targets (issue 14) for the built-in proxy: ≥ 0.5x the req/s of nginx (2 workers), p99 added ≤ 10 ms → ${own
          .map(
            (r) => `${r.name} **${(r.rps / nginx2.rps).toFixed(2)}x**, **${signedMs(r.p99 - direct.p99)}**`,
          )
          .join("; ")}.`
      : "";
  return [builtIn, viaHaproxy.trim()].filter(Boolean).join("\n");
}

const command = `node bench/proxy.mjs --upstream ${args.upstream}${args.only ? ` --only ${args.only}` : ""}`;
const markdown = `## Proxy: throughput and latency, ${args.upstream} upstream (\`${command}\`)

${info.date} · ${info.cpu}, ${info.memory} · ${info.kernel} · Node ${info.node} · ${info.nginx} · ${info.haproxy.replace(/ - https.*/, "")} · ${info.wrk.replace(/ Copyright.*/, "")}
Load average at the end of the run: ${info.load} (the machine is shared; figures are noisy).
Load: \`wrk -t1 -c${connections} --latency\` on loopback, ${Math.round(duration / rounds)} s per peer per round, ${rounds} rounds taken in turns (medians shown), after a ${args.warmup} s warm-up each; peers and wrk share one scheduling group (${autogroup}).
Upstream: ${upstreamLabel}; proxies keep upstream connections alive.
Proxy CPU µs/req: user + system time of all the proxy's processes during its runs, per request (from /proc; steadier than req/s on a shared machine); "of it, Node" is the \`slipway proxy\` process alone of the HAProxy data plane (admin API and request-log reader), the rest its HAProxy.

| path | req/s | p50 ms | p99 ms | p99 added vs direct | proxy CPU µs/req | of it, Node | errors |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join("\n")}

${targets()}
`;
console.log(`\n${markdown}`);
// A run of some peers only writes a section of its own, so it never replaces the full table.
const section = args.only
  ? `proxy-${wanted.join("-").replace(/[^a-z0-9-]+/g, "")}-${args.upstream}`
  : `proxy-throughput-${args.upstream}`;
if (!args["no-write"]) writeResultsSection(section, markdown);
