#!/usr/bin/env node
// Static asset serving (issue 20): one published bundle file served under /assets/ by Slipway's
// data planes — the built-in proxy (1 and 2 workers; version URL and alias URL) and HAProxy in front
// of Slipway's origin socket — against nginx serving the same directory, loaded by wrk on loopback
// in the same run. Installs nginx, haproxy and wrk (Debian) when missing.
//
//   node bench/assets.mjs [--duration 6] [--rounds 2] [--warmup 2] [--connections 50] [--no-write]
// Each peer gets --duration seconds in total, split over --rounds turns; medians are reported.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  ROOT,
  ensureTools,
  freePort,
  machine,
  raiseAutogroupPriority,
  sleep,
  startChild,
  waitForPort,
  writeResultsSection,
  startNginx,
  wrk,
} from "./lib/proxy-bench.mjs";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "6" },
    rounds: { type: "string", default: "2" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "50" },
    "no-write": { type: "boolean", default: false },
  },
});
const duration = Number(args.duration);
const connections = Number(args.connections);

ensureTools({ nginx: "nginx-light", haproxy: "haproxy", wrk: "wrk" });
execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { stdio: "inherit" });
const autogroup = raiseAutogroupPriority();

const work = mkdtempSync(join(tmpdir(), "slipway-bench-assets-"));
const project = join(work, "project");
const assetsRoot = join(project, ".slipway", "assets");
const cleanups = [];
const stopAll = async () => {
  for (const stop of cleanups.splice(0).reverse()) await stop();
};

// A widget bundle: one 24 KiB script (a typical minified widget) and a stylesheet.
const bundle = join(work, "bundle");
mkdirSync(join(bundle, "js"), { recursive: true });
const line =
  "(function(w){w.varai=w.varai||{};w.varai.render=function(e){e.innerHTML='<div class=\"varai\"></div>'}})(window);\n";
writeFileSync(
  join(bundle, "js", "widget.3f9a1c2e.js"),
  line.repeat(Math.ceil(24576 / line.length)).slice(0, 24576),
);
writeFileSync(join(bundle, "widget.css"), ".varai{display:flex;gap:8px}\n".repeat(40));
mkdirSync(project, { recursive: true });
const cli = (...cliArgs) =>
  execFileSync(process.execPath, [join(ROOT, "bin/slipway.js"), ...cliArgs, "--dir", project], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
cli("assets", "publish", bundle, "--name", "widget", "--version", "1.4.0");
cli("assets", "alias", "widget", "stable", "1.4.0", "--reason", "bench");
// nginx's workers run as www-data: let them read the (0700) temp tree, as a CDN origin's files are.
execFileSync("chmod", ["-R", "a+rX", work]);
const FILE = "js/widget.3f9a1c2e.js";
const SIZE = readFileSync(join(bundle, FILE)).length;

async function slipwayBuiltin(workers) {
  const [listen, admin] = [await freePort(), await freePort()];
  const proc = startChild(
    process.execPath,
    [
      join(ROOT, "bin/slipway.js"),
      "proxy",
      "--listen",
      `127.0.0.1:${listen}`,
      "--admin",
      `127.0.0.1:${admin}`,
      "--state-dir",
      join(project, ".slipway", `proxy-${workers}`),
      "--workers",
      String(workers),
    ],
    { env: { ...process.env, SLIPWAY_LOG_LEVEL: "warn" } },
  );
  cleanups.push(() => proc.stop());
  await waitForPort(listen, 30_000);
  return `http://127.0.0.1:${listen}`;
}

async function slipwayHaproxy() {
  const [listen, admin] = [await freePort(), await freePort()];
  const proc = startChild(
    process.execPath,
    [
      join(ROOT, "bin/slipway.js"),
      "proxy",
      "--data-plane",
      "haproxy",
      "--workers",
      "2",
      "--listen",
      `127.0.0.1:${listen}`,
      "--admin",
      `127.0.0.1:${admin}`,
      "--state-dir",
      join(project, ".slipway", "proxy-haproxy"),
    ],
    { env: { ...process.env, SLIPWAY_LOG_LEVEL: "warn" } },
  );
  cleanups.push(() => proc.stop());
  await waitForPort(listen, 30_000);
  // The listener is HAProxy's; the origin socket is up before HAProxy starts.
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`http://127.0.0.1:${listen}/assets/widget/1.4.0/${FILE}`).catch(() => undefined);
    if (res?.ok) break;
    await sleep(100);
  }
  return `http://127.0.0.1:${listen}`;
}

/** nginx serving the same directory with the same cache headers (open_file_cache on: Slipway caches too). */
async function nginx(workers) {
  const port = await freePort();
  startNginx(
    { work, cleanups },
    `nginx-${workers}`,
    `worker_processes ${workers};`,
    `include /etc/nginx/mime.types;
  open_file_cache max=1000 inactive=60s;
  sendfile on; tcp_nopush on;
  server {
    listen 127.0.0.1:${port};
    location /assets/ {
      alias ${assetsRoot}/;
      etag on;
      add_header Cache-Control "public, max-age=31536000, immutable";
      add_header Vary "Accept-Encoding";
    }
  }`,
  );
  await waitForPort(port);
  return `http://127.0.0.1:${port}`;
}

const versionPath = `/assets/widget/1.4.0/${FILE}`;
const aliasPath = `/assets/widget/stable/${FILE}`;
const results = [];
try {
  const builtin1 = await slipwayBuiltin(1);
  const builtin2 = await slipwayBuiltin(2);
  const haproxy = await slipwayHaproxy();
  const nginx1 = await nginx(1);
  const nginx2 = await nginx(2);
  const peers = {
    "slipway built-in (1 worker), version URL": { url: builtin1 + versionPath },
    "slipway built-in (1 worker), alias URL": { url: builtin1 + aliasPath },
    "slipway built-in (1 worker), br": { url: builtin1 + versionPath, headers: ["Accept-Encoding: br"] },
    "slipway built-in (2 workers), version URL": { url: builtin2 + versionPath },
    "slipway HAProxy data plane (2 threads + origin)": { url: haproxy + versionPath },
    "nginx (1 worker), same directory": { url: nginx1 + versionPath },
    "nginx (2 workers), same directory": { url: nginx2 + versionPath },
  };
  for (const [name, peer] of Object.entries(peers)) {
    const res = await fetch(peer.url, {
      headers: Object.fromEntries((peer.headers ?? []).map((h) => h.split(": "))),
    });
    const body = Buffer.from(await res.arrayBuffer());
    if (!res.ok) throw new Error(`${name}: ${peer.url} answered ${res.status}`);
    console.log(`${name}: ${res.status}, ${body.length} bytes, ${res.headers.get("cache-control")}`);
  }
  for (const peer of Object.values(peers))
    await wrk(peer.url, { seconds: Number(args.warmup), connections, headers: peer.headers });
  const runs = Object.fromEntries(Object.keys(peers).map((name) => [name, []]));
  const rounds = Number(args.rounds);
  for (let round = 1; round <= rounds; round++) {
    for (const [name, peer] of Object.entries(peers)) {
      const result = await wrk(peer.url, {
        seconds: Math.max(1, Math.round(duration / rounds)),
        connections,
        headers: peer.headers,
      });
      runs[name].push(result);
      console.log(
        `round ${round} ${name.padEnd(48)} ${result.rps.toFixed(0).padStart(8)} req/s   p50 ${result.p50.toFixed(2)} ms   p99 ${result.p99.toFixed(2)} ms   ${result.transfer}/s   errors ${result.errors}`,
      );
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  for (const [name, list] of Object.entries(runs))
    results.push({
      name,
      rps: median(list.map((r) => r.rps)),
      p50: median(list.map((r) => r.p50)),
      p99: median(list.map((r) => r.p99)),
      transfer: list.at(-1).transfer,
      errors: list.reduce((sum, r) => sum + r.errors, 0),
    });
} finally {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
}

const info = machine();
const nginx2 = results.find((r) => r.name.startsWith("nginx (2 workers)"));
const rows = results.map(
  (r) =>
    `| ${r.name} | ${r.rps.toFixed(0)} | ${nginx2 ? (r.rps / nginx2.rps).toFixed(2) : "—"} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.transfer} | ${r.errors} |`,
);
const markdown = `## Static assets: /assets/ through the data plane vs nginx (\`node bench/assets.mjs\`)

${info.date} · ${info.cpu}, ${info.memory} · ${info.kernel} · Node ${info.node} · ${info.nginx} · ${info.haproxy.replace(/ - https.*/, "")} · ${info.wrk.replace(/ Copyright.*/, "")}
Load average at the end of the run: ${info.load} (the machine is shared with other work; figures are noisy).
Load: \`wrk -t1 -c${connections} --latency\` on loopback, ${Math.round(duration / Number(args.rounds))} s per peer per round, ${args.rounds} rounds taken in turns (medians shown), after a ${args.warmup} s warm-up each; peers and wrk share one scheduling group (${autogroup}).
File: one published ${SIZE}-byte script of a bundle (\`slipway assets publish\`), requested without Accept-Encoding (identity) unless the row says br;
nginx serves the same directory (\`alias <data>/assets/\`, open_file_cache, sendfile, the same Cache-Control).

| path | req/s | vs nginx (2 workers) | p50 ms | p99 ms | transfer/s | errors |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join("\n")}
`;
console.log(`\n${markdown}`);
if (!args["no-write"]) writeResultsSection("assets-serving", markdown);
