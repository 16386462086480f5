#!/usr/bin/env node
// Cutover time through the traffic port: how long from the decision (DataPlaneAdmin.applyRoutes
// with the new table) until every new request is served by the new revision, under steady
// keep-alive load, and whether any request failed or reached the old revision after that. Every
// other switch goes back to the previous revision, still warm: that is the rollback.
//
//   node bench/proxy-cutover.mjs [--provider builtin[,other]] [--workers 1,2] [--switches 100]
//                                [--clients 4] [--no-write]
// Providers are the factories of bench/lib/traffic-providers.ts.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  ROOT,
  freePort,
  loadProviders,
  machine,
  percentile,
  sleep,
  startChild,
  table,
  waitForPort,
  writeResultsSection,
  raiseAutogroupPriority,
} from "./lib/proxy-bench.mjs";

const { values: args } = parseArgs({
  options: {
    provider: { type: "string", default: "builtin" },
    workers: { type: "string", default: "1,2" },
    switches: { type: "string", default: "100" },
    clients: { type: "string", default: "4" },
    "no-write": { type: "boolean", default: false },
  },
});
const switches = Number(args.switches);
const clients = Number(args.clients);
const workerCounts = args.workers.split(",").map(Number);

execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { stdio: "inherit" });
const providers = await loadProviders();
const wanted = args.provider.split(",");
for (const name of wanted)
  if (!providers[name])
    throw new Error(`--provider ${name}: not one of ${Object.keys(providers).join(", ")}`);
const autogroup = raiseAutogroupPriority();
const work = mkdtempSync(join(tmpdir(), "slipway-cutover-"));

// Two revisions in a separate process, so serving them does not share the client's event loop.
const [bluePort, greenPort] = [await freePort(), await freePort()];
const upstreams = startChild(process.execPath, [
  "--input-type=module",
  "-e",
  `import http from "node:http";
   for (const [name, port] of [["blue", ${bluePort}], ["green", ${greenPort}]]) {
     const server = http.createServer((req, res) => res.end(name));
     server.keepAliveTimeout = 65_000;
     server.listen(port, "127.0.0.1");
   }`,
]);
await waitForPort(bluePort);
await waitForPort(greenPort);

const revisions = {
  blue: { id: "app@blue", ports: [bluePort] },
  green: { id: "app@green", ports: [greenPort] },
};

/**
 * Steady load: `clients` loops of keep-alive GETs, each logged with its start, end, the revision
 * that served it ("error" for a connection error) and its status.
 */
function load(url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const log = [];
  let running = true;
  const loop = async () => {
    while (running) {
      const start = performance.now();
      const { revision, status } = await new Promise((done) => {
        http
          .get(url, { agent }, (res) => {
            res.resume();
            res.on("end", () =>
              done({ revision: String(res.headers["x-slipway-revision"]), status: res.statusCode }),
            );
            res.on("error", () => done({ revision: "error", status: 0 }));
          })
          .on("error", () => done({ revision: "error", status: 0 }));
      });
      log.push({ start, end: performance.now(), revision, status });
    }
  };
  const loops = Array.from({ length: clients }, loop);
  return {
    log,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

async function measure(provider, workers) {
  const plane = await providers[provider]({
    root: ROOT,
    stateDir: join(work, `${provider}-${workers}`),
    workers,
  });
  try {
    let generation = (await plane.admin.routes()).generation;
    let current = "blue";
    await plane.admin.applyRoutes(table(++generation, [revisions.blue]));
    const traffic = load(`${plane.url}/`);
    await sleep(1_000);
    const samples = [];
    let stale = 0;
    for (let i = 0; i < switches; i++) {
      const target = current === "blue" ? "green" : "blue";
      const decidedAt = performance.now();
      await plane.admin.applyRoutes(table(++generation, [revisions[target]]));
      const ackedAt = performance.now();
      await sleep(150);
      const id = revisions[target].id;
      const since = traffic.log.filter((r) => r.start >= decidedAt && r.revision !== "error");
      const firstNew = since
        .filter((r) => r.revision === id)
        .reduce((min, r) => Math.min(min, r.end), Infinity);
      // The last request that started after the decision and still reached the old revision.
      const lastOld = since
        .filter((r) => r.revision !== id)
        .reduce((max, r) => Math.max(max, r.start), decidedAt);
      // Requests that started after the data plane acknowledged the table must all be on the new revision.
      stale += since.filter((r) => r.start > ackedAt && r.revision !== id).length;
      samples.push({
        kind: target === "green" ? "switch" : "rollback",
        ack: ackedAt - decidedAt,
        observed: lastOld - decidedAt,
        firstNew: firstNew - decidedAt,
      });
      current = target;
      await sleep(100);
    }
    await traffic.stop();
    const failed = traffic.log.filter(
      (r) => r.revision === "error" || r.status < 200 || r.status >= 300,
    ).length;
    return { provider, workers, samples, stale, failed, total: traffic.log.length };
  } finally {
    await plane.close();
  }
}

const results = [];
try {
  for (const provider of wanted) {
    for (const workers of workerCounts) {
      const result = await measure(provider, workers);
      results.push(result);
      console.log(
        `${provider} workers=${workers}: requests=${result.total} stale-after-ack=${result.stale} failed=${result.failed}`,
      );
    }
  }
} finally {
  await upstreams.stop();
  rmSync(work, { recursive: true, force: true });
}

const stat = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `${percentile(sorted, 50).toFixed(1)} / ${percentile(sorted, 99).toFixed(1)} / ${sorted.at(-1).toFixed(1)}`;
};
const rows = results.map(
  (r) =>
    `| ${r.provider} | ${r.workers} | ${r.samples.length} | ${stat(r.samples.map((s) => s.ack))} | ${stat(r.samples.map((s) => s.observed))} | ${stat(r.samples.map((s) => s.firstNew))} | ${r.stale} | ${r.failed} of ${r.total} |`,
);
const info = machine();
const markdown = `## Proxy: cutover and rollback time through the traffic port (\`node bench/proxy-cutover.mjs\`)

${info.date} · ${info.cpu} · Node ${info.node} · load average ${info.load} (shared machine; bench scheduling group ${autogroup}).
${clients} keep-alive clients loop GETs through the data plane while its route table is switched ${switches} times
through the traffic port (\`DataPlaneAdmin.applyRoutes\`), alternately to the new revision and back to the
previous, still running one (the rollback). Values in ms as median / p99 / max over the ${switches} switches:
- **acknowledged**: decision → \`applyRoutes\` resolved; the data plane answers once every worker routes with
  the new table (and the table is written to disk; its fsync follows the answer, see docs/proxy.md), so every request starting after it goes to the new revision;
- **observed**: decision → start of the last request that still reached the old revision (0 when none did);
- **first response**: decision → first response from the new revision.

| provider | workers | switches | acknowledged | observed | first response | stale after ack | failed (non-2xx or error) |
| --- | ---: | ---: | --- | --- | --- | ---: | ---: |
${rows.join("\n")}

Targets (issue 14): decision → every new request on the new revision ≤ 10 ms median; 0 requests failed or served stale over 100 cutovers under load.
`;
console.log(`\n${markdown}`);
if (!args["no-write"]) writeResultsSection("proxy-cutover", markdown);
