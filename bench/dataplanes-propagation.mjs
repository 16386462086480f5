#!/usr/bin/env node
// Route-table propagation to data planes on several hosts (issue 18): `slipway proxy` runs in N
// network namespaces (1, 2, 4), each reached over its own veth pair, and the control plane's
// DataPlaneSet (src/traffic/data-plane-set.ts) sends each table to all of them. Measured per table:
// decision → every host acknowledged its generation (applyRoutes resolved; the set waits for every
// reachable host). Peer in the same run: the same tables sent host after host (a loop of admin
// calls), which is what a fan-out saves. Then, with 2 hosts, one is cut off (link down) while 10
// tables go out, and restored: restore → the host holds the newest generation (background resend).
//
//   node bench/dataplanes-propagation.mjs [--hosts 1,2,4] [--tables 100] [--routes 20] [--no-write]
// Root only (network namespaces).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { importTs } from "./lib/import-ts.mjs";
import { ROOT, machine, percentile, sleep, writeResultsSection } from "./lib/proxy-bench.mjs";

const { values: args } = parseArgs({
  options: {
    hosts: { type: "string", default: "1,2,4" },
    tables: { type: "string", default: "100" },
    routes: { type: "string", default: "20" },
    "no-write": { type: "boolean", default: false },
  },
});
const hostCounts = args.hosts.split(",").map(Number);
const tables = Number(args.tables);
const routes = Number(args.routes);

execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { stdio: "inherit" });
const lib = await importTs("bench/lib/data-planes.ts");
const unavailable = lib.netnsUnavailable();
if (unavailable) throw new Error(`bench/dataplanes-propagation.mjs: ${unavailable}`);

const work = mkdtempSync(join(tmpdir(), "slipway-dataplanes-bench-"));
// The local proxy is out of the measure: a stand-in that acknowledges at once.
const local = {
  applyRoutes: (table) => Promise.resolve({ generation: table.generation }),
  routes: () => Promise.resolve({ generation: 0, routes: [] }),
  stats: () => Promise.resolve([]),
};
const started = [];
const fmt = (sorted) =>
  `${percentile(sorted, 50).toFixed(1)} / ${percentile(sorted, 99).toFixed(1)} / ${sorted.at(-1).toFixed(1)}`;
const rows = [];
let generation = 0;
let recovery;

try {
  for (const count of hostCounts) {
    const hosts = [];
    for (let i = 0; i < count; i++) {
      const host = await lib.startHost(work, started.length);
      started.push(host);
      hosts.push(host);
    }
    const set = lib.fanOut(local, hosts);
    // Warm-up: connections open, code paths hot.
    for (let i = 0; i < 5; i++) await set.applyRoutes(lib.benchTable(++generation, routes, i));
    const fan = [];
    const serial = [];
    for (let i = 0; i < tables; i++) {
      let t0 = performance.now();
      await set.applyRoutes(lib.benchTable(++generation, routes, i % 100));
      fan.push(performance.now() - t0);
      const behind = set.hostsOf("prod").filter((h) => h.generation !== generation);
      if (behind.length > 0) throw new Error(`hosts behind after applyRoutes: ${JSON.stringify(behind)}`);
      const table = lib.benchTable(++generation, routes, i % 100);
      t0 = performance.now();
      for (const h of hosts) await h.client.applyRoutes(table);
      serial.push(performance.now() - t0);
    }
    // The last table went to the hosts directly: hand the set the newest before measuring anything else.
    await set.applyRoutes(lib.benchTable(++generation, routes, 0));
    fan.sort((a, b) => a - b);
    serial.sort((a, b) => a - b);
    rows.push({ count, fan, serial });
    console.log(`${count} host(s): fan-out ${fmt(fan)} ms, one after another ${fmt(serial)} ms`);

    if (count === 2) {
      const [, cut] = hosts;
      cut.ns.cut();
      for (let i = 0; i < 10; i++) {
        await set.applyRoutes(lib.benchTable(++generation, routes, i));
        await sleep(200);
      }
      const cutStatus = set.hostsOf("prod").find((h) => h.name === cut.name);
      const t0 = performance.now();
      cut.ns.restore();
      for (;;) {
        const h = set.hostsOf("prod").find((x) => x.name === cut.name);
        if (h.generation === generation) break;
        if (performance.now() - t0 > 30_000) throw new Error("the restored host did not catch up in 30 s");
        await sleep(5);
      }
      recovery = { ms: performance.now() - t0, heldWhileCut: cutStatus.generation, newest: generation };
      console.log(`restored host caught up in ${recovery.ms.toFixed(0)} ms`);
    }
    await set.close();
  }
} finally {
  for (const h of started) await lib.stopHost(h).catch((error) => console.error(error));
  lib.removeAllNamespaces();
  rmSync(work, { recursive: true, force: true });
}

const info = machine();
const markdown = `## Data planes on several hosts: route-table propagation (\`node bench/dataplanes-propagation.mjs\`)

${info.date} · ${info.cpu} · Node ${info.node} · load average ${info.load} (shared machine).
\`slipway proxy\` (built-in, 1 worker) in N network namespaces, each behind its own veth pair; a table of
${routes} routes (2 revisions × 2 instances each) sent ${tables} times. Values in ms as median / p99 / max:
- **fan-out**: \`DataPlaneSet.applyRoutes\` → resolved, i.e. every host acknowledged the generation (installed and
  written to its routes.json); checked after each table through the set's per-host status;
- **one after another**: the peer, the same table sent to each host in turn with its admin client.

| hosts | tables | fan-out (all acknowledged) | one after another |
| ---: | ---: | --- | --- |
${rows.map((r) => `| ${r.count} | ${tables} | ${fmt(r.fan)} | ${fmt(r.serial)} |`).join("\n")}
${
  recovery
    ? `
A host cut off (its veth down) while 10 tables went out (200 ms apart) kept generation ${recovery.heldWhileCut};
restored, it held the newest (${recovery.newest}) **${recovery.ms.toFixed(0)} ms** later: the background resend
backs off from 250 ms, doubling to 5 s, so the bound is 5 s plus one push.
`
    : ""
}`;
if (!args["no-write"]) writeResultsSection("dataplanes-propagation", markdown);
else console.log(markdown);
