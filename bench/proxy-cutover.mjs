#!/usr/bin/env node
// Cutover time: how long from the decision (PUT /v1/routes) until every new request is served by
// the new revision, under steady keep-alive load, with 1 and 2 proxy workers. Every other switch
// goes back to the previous revision, still warm: that is the rollback time.
//
//   node bench/proxy-cutover.mjs [--switches 20] [--clients 4] [--no-write]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  ROOT,
  freePort,
  machine,
  percentile,
  sleep,
  startChild,
  startSlipway,
  table,
  waitForPort,
  writeResultsSection,
  raiseAutogroupPriority,
} from "./lib/proxy-bench.mjs";

const { values: args } = parseArgs({
  options: {
    switches: { type: "string", default: "20" },
    clients: { type: "string", default: "4" },
    "no-write": { type: "boolean", default: false },
  },
});
const switches = Number(args.switches);
const clients = Number(args.clients);

execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { stdio: "inherit" });
const autogroup = raiseAutogroupPriority();
const work = mkdtempSync(join(tmpdir(), "slipway-cutover-"));

// Two revisions in a separate process, so serving them does not share the client's event loop.
const [bluePort, greenPort] = [await freePort(), await freePort()];
const upstreams = startChild(process.execPath, [
  "--input-type=module",
  "-e",
  `import http from "node:http";
   for (const [name, port] of [["blue", ${bluePort}], ["green", ${greenPort}]])
     http.createServer((req, res) => res.end(name)).listen(port, "127.0.0.1");`,
]);
await waitForPort(bluePort);
await waitForPort(greenPort);

const revisions = {
  blue: { id: "app@blue", ports: [bluePort] },
  green: { id: "app@green", ports: [greenPort] },
};

/** Steady load: `clients` loops of keep-alive GETs, each response logged with its revision. */
function load(url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const log = [];
  let running = true;
  const loop = async () => {
    while (running) {
      const start = performance.now();
      const revision = await new Promise((done) => {
        http
          .get(url, { agent }, (res) => {
            res.resume();
            res.on("end", () => done(String(res.headers["x-slipway-revision"])));
          })
          .on("error", () => done("error"));
      });
      log.push({ start, end: performance.now(), revision });
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

async function measure(workers) {
  const [listenPort, adminPort] = [await freePort(), await freePort()];
  const proxy = await startSlipway({ listenPort, adminPort, stateDir: join(work, `w${workers}`), workers });
  let generation = 1;
  let current = "blue";
  await proxy.call("PUT", "/v1/routes", table(generation, [revisions.blue]));
  const traffic = load(`${proxy.url}/`);
  await sleep(1_000);
  const samples = { switch: [], rollback: [] };
  let stale = 0;
  for (let i = 0; i < switches; i++) {
    const target = current === "blue" ? "green" : "blue";
    const kind = target === "green" ? "switch" : "rollback";
    const decidedAt = performance.now();
    await proxy.call("PUT", "/v1/routes", table(++generation, [revisions[target]]));
    const ackedAt = performance.now();
    await sleep(150);
    const id = revisions[target].id;
    const firstNew = traffic.log
      .filter((r) => r.revision === id && r.start >= decidedAt)
      .reduce((min, r) => Math.min(min, r.end), Infinity);
    // Requests that started after the proxy acknowledged the table must all be on the new revision.
    stale += traffic.log.filter(
      (r) => r.start > ackedAt && r.revision !== id && r.revision !== "error",
    ).length;
    samples[kind].push({ ack: ackedAt - decidedAt, firstNew: firstNew - decidedAt });
    current = target;
    await sleep(100);
  }
  await traffic.stop();
  const errors = traffic.log.filter((r) => r.revision === "error").length;
  const total = traffic.log.length;
  await proxy.stop();
  return { workers, samples, stale, errors, total };
}

const results = [];
try {
  for (const workers of [1, 2]) {
    const result = await measure(workers);
    results.push(result);
    console.log(
      `workers=${workers}: requests=${result.total} stale-after-ack=${result.stale} errors=${result.errors}`,
    );
  }
} finally {
  await upstreams.stop();
  rmSync(work, { recursive: true, force: true });
}

const fmt = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `${percentile(sorted, 50).toFixed(1)} / ${percentile(sorted, 95).toFixed(1)} / ${sorted.at(-1).toFixed(1)}`;
};
const rows = results.flatMap((r) =>
  ["switch", "rollback"].map(
    (kind) =>
      `| ${r.workers} | ${kind === "switch" ? "blue → green (switch)" : "green → blue (rollback, old revision warm)"} | ${r.samples[kind].length} | ${fmt(r.samples[kind].map((s) => s.ack))} | ${fmt(r.samples[kind].map((s) => s.firstNew))} |`,
  ),
);
const info = machine();
const markdown = `## Proxy: cutover and rollback time (\`node bench/proxy-cutover.mjs\`)

${info.date} · ${info.cpu} · Node ${info.node} · load average ${info.load} (shared machine; bench scheduling group ${autogroup}).
${clients} keep-alive clients loop GETs through \`slipway proxy\` while the route table is switched ${switches} times
(alternately to the new revision and back to the previous, still running one). "Acknowledged" is the
\`PUT /v1/routes\` round trip: the proxy answers once every worker routes with the new table, so every
request starting after it goes to the new revision. "First response" is decision → first response
from the new revision. Values in ms as median / p95 / max.

| workers | switch | n | acknowledged (all new requests on new revision) | first response from new revision |
| ---: | --- | ---: | --- | --- |
${rows.join("\n")}

Requests started after the acknowledgement but served by the old revision: ${results.map((r) => `${r.stale} of ${r.total} (${r.workers} worker${r.workers > 1 ? "s" : ""})`).join(", ")}; failed requests: ${results.map((r) => r.errors).join(", ")}.
Targets (issue 5): cutover ≤ 10 ms, rollback with the previous revision warm ≤ 1 s.
`;
console.log(`\n${markdown}`);
if (!args["no-write"]) writeResultsSection("proxy-cutover", markdown);
