#!/usr/bin/env node
// Soak (issue 14): deploy/rollback cycles under steady load through `slipway proxy --data-plane
// haproxy`. Each cycle adds a candidate revision (new HAProxy servers), shifts 10 % → 50 % → 100 %
// to it, rolls back to the stable revision and removes the candidate; keep-alive clients send
// requests the whole time. Counts every response by status and every failed request, and whether
// HAProxy's worker stayed the same (no reload).
//
//   node bench/haproxy-soak.mjs [--cycles 100] [--clients 8] [--no-write]
import { createConnection } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Agent, request } from "undici";
import {
  ROOT,
  ensureTools,
  freePort,
  machine,
  nodeUpstream,
  sleep,
  startChild,
  table,
  writeResultsSection,
} from "./lib/proxy-bench.mjs";
import { execFileSync } from "node:child_process";

const { values: args } = parseArgs({
  options: {
    cycles: { type: "string", default: "100" },
    clients: { type: "string", default: "8" },
    "no-write": { type: "boolean", default: false },
  },
});
const cycles = Number(args.cycles);
ensureTools({ haproxy: "haproxy" });
execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { stdio: "inherit" });

const work = mkdtempSync(join(tmpdir(), "slipway-soak-"));
const stable = await nodeUpstream("stable");
const candidate = await nodeUpstream("candidate");
const [listenPort, adminPort] = [await freePort(), await freePort()];
const token = "bench-token";
const stateDir = join(work, "state");
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
    `127.0.0.1:${listenPort}`,
    "--admin",
    `127.0.0.1:${adminPort}`,
    "--state-dir",
    stateDir,
  ],
  { env: { ...process.env, SLIPWAY_PROXY_TOKEN: token, SLIPWAY_LOG_LEVEL: "warn" } },
);
const call = async (method, path, body) => {
  const res = await fetch(`http://127.0.0.1:${adminPort}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
};
/** The current HAProxy worker's pid, from the master CLI. */
const worker = () =>
  new Promise((done, fail) => {
    let out = "";
    const conn = createConnection(join(stateDir, "haproxy", "master.sock"));
    conn.on("connect", () => conn.end("show proc\n"));
    conn.on("data", (chunk) => (out += chunk));
    conn.on("error", fail);
    conn.on("close", () => done(/^(\d+)\s+worker\b/m.exec(out.split("# workers")[1] ?? "")?.[1]));
  });

const counts = { ok: 0, non2xx: 0, failed: 0, byStatus: {}, errors: {} };
let generation = 0;
let running = true;
let result;
try {
  for (let waited = 0; ; waited += 100) {
    try {
      await call("GET", "/v1/health");
      break;
    } catch (error) {
      if (waited > 30_000)
        throw new Error(`slipway proxy --data-plane haproxy did not start: ${proc.stderr()}`, {
          cause: error,
        });
      await sleep(100);
    }
  }
  const apply = (revisions) => call("PUT", "/v1/routes", table(++generation, revisions));
  await apply([{ id: "app@v1", ports: [stable.port] }]);
  const agent = new Agent({ connections: Number(args.clients), pipelining: 1 });
  const client = async () => {
    while (running) {
      try {
        const res = await request(`http://127.0.0.1:${listenPort}/`, { dispatcher: agent });
        await res.body.text();
        counts.byStatus[res.statusCode] = (counts.byStatus[res.statusCode] ?? 0) + 1;
        if (res.statusCode >= 200 && res.statusCode < 300) counts.ok++;
        else counts.non2xx++;
      } catch (error) {
        counts.failed++;
        const key = String(error.code ?? error.message);
        counts.errors[key] = (counts.errors[key] ?? 0) + 1;
      }
    }
  };
  const load = Promise.all(Array.from({ length: Number(args.clients) }, client));
  await sleep(500);
  const firstWorker = await worker();
  const started = performance.now();
  for (let i = 1; i <= cycles; i++) {
    const c = `app@c${i}`;
    const v1 = (weight) => ({ id: "app@v1", weight, ports: [stable.port] });
    const cand = (weight) => ({ id: c, weight, ports: [candidate.port] });
    for (const step of [
      [v1(100), cand(0)],
      [v1(90), cand(10)],
      [v1(50), cand(50)],
      [v1(0), cand(100)],
      [v1(100), cand(0)],
      [v1(100)],
    ])
      await apply(step);
  }
  const seconds = (performance.now() - started) / 1000;
  await sleep(500);
  const lastWorker = await worker();
  running = false;
  await load;
  await agent.close();
  result = { seconds, sameWorker: firstWorker === lastWorker, firstWorker, lastWorker };
} finally {
  running = false;
  await proc.stop();
  await stable.close();
  await candidate.close();
  rmSync(work, { recursive: true, force: true });
}

const info = machine();
const markdown = `## Soak: deploy/rollback cycles through the HAProxy data plane (\`node bench/haproxy-soak.mjs\`)

${info.date} · ${info.cpu}, ${info.memory} · ${info.kernel} · Node ${info.node} · ${info.haproxy.replace(/ - https.*/, "")}
Load average at the end: ${info.load} (shared machine). ${args.clients} keep-alive undici clients in a loop against
\`slipway proxy --data-plane haproxy\` (2 threads), in-process Node upstreams (stable, candidate).
Each cycle: candidate added at 0 %, 10 %, 50 %, 100 %, rolled back to stable 100 %, candidate removed
(6 route tables, new HAProxy servers each cycle).

| cycles | route tables | seconds | requests 2xx | non-2xx | failed (reset/closed) | same HAProxy worker (no reload) |
| ---: | ---: | ---: | ---: | ---: | ---: | --- |
| ${cycles} | ${cycles * 6} | ${result.seconds.toFixed(1)} | ${counts.ok} | ${counts.non2xx} | ${counts.failed} | ${result.sameWorker ? "yes" : `no (${result.firstWorker} → ${result.lastWorker})`} |

Statuses: ${JSON.stringify(counts.byStatus)}${counts.failed ? ` · errors: ${JSON.stringify(counts.errors)}` : ""}
`;
console.log(`\n${markdown}`);
if (!args["no-write"]) writeResultsSection("haproxy-soak", markdown);
if (counts.non2xx + counts.failed > 0 || !result.sameWorker) process.exitCode = 1;
