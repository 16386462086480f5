#!/usr/bin/env node
/**
 * Failover of a highly available control plane (issue 17): two `slipway server --ha` replicas on
 * one PostgreSQL (127.0.0.1:5432, or SLIPWAY_TEST_POSTGRES), the real proxy and instances, steady
 * traffic through the proxy; ROLLOUTS deploys, and during each the leader is SIGKILLed after a
 * random delay (0-4 s) and a replacement replica started. Reports the takeover time (kill → a new
 * leader answering as such), rollouts finished, requests failed, notifications sent twice.
 * Peer in the same run: the lease itself — the stated bound is lease + lease/4 (the follower's beat).
 * Usage: npm run build && node bench/ha-failover.mjs [--rollouts 20] [--lease 2000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { machine, percentile, ROOT, writeResultsSection } from "./lib/proxy-bench.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const ROLLOUTS = Number(arg("rollouts", "20"));
const LEASE_MS = Number(arg("lease", "2000"));

// The cluster harness is the end-to-end test's (TypeScript): bundle it next to node_modules.
const dir = mkdtempSync(join(ROOT, "node_modules", ".cache", "slipway-bench-ha-"));
const bundle = join(dir, "cluster.mjs");
await esbuild.build({
  entryPoints: [join(ROOT, "test/ha/cluster.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  packages: "external",
  outfile: bundle,
  logLevel: "error",
  // The harness finds bin/ and the fixtures from its own folder (test/ha and test/rollouts are siblings).
  define: { "import.meta.dirname": JSON.stringify(join(ROOT, "test", "ha")) },
});
const { startCluster, failoverRun } = await import(bundle);

const cluster = await startCluster({ leaseMs: LEASE_MS });
let report;
const started = Date.now();
try {
  await cluster.start("a");
  await cluster.start("b");
  report = await failoverRun(cluster, ROLLOUTS);
} finally {
  await cluster.close();
  rmSync(dir, { recursive: true, force: true });
}
const seconds = (Date.now() - started) / 1000;
const takeovers = [...report.takeoversMs].sort((a, b) => a - b);
const finished = report.rollouts.filter((r) =>
  ["promoted", "rolled-back", "failed", "superseded"].includes(r.phase),
);
const phases = Object.entries(
  report.rollouts.reduce((acc, r) => ({ ...acc, [r.phase]: (acc[r.phase] ?? 0) + 1 }), {}),
)
  .map(([phase, n]) => `${n} ${phase}`)
  .join(", ");
const bound = LEASE_MS + LEASE_MS / 4;
console.log({
  takeovers,
  phases,
  requests: { ok: report.requests.ok, bad: report.requests.bad },
  duplicates: report.duplicates,
  notifications: report.notifications,
});

const m = machine();
writeResultsSection(
  "ha-failover",
  `## Highly available control plane: failover (\`node bench/ha-failover.mjs\`)

${m.date} · ${m.cpu} · ${m.memory} · ${m.kernel} · Node ${m.node} · load average at the end ${m.load} (shared machine: other jobs ran; figures are noisy).
Two \`slipway server --ha --lease ${LEASE_MS}ms\` replicas on one local PostgreSQL, the built-in proxy and two instances per revision (real processes); steady traffic through the proxy (2 concurrent clients); ${ROLLOUTS} blue-green rollouts, each with the leader SIGKILLed 0–4 s after its deploy (a random point: starting, switching, analysing or retiring) and a replacement replica started. ${seconds.toFixed(0)} s in all.

| measure | value |
| --- | --- |
| leader kills | ${takeovers.length} |
| takeover (kill → new leader answers) p50 / p99 / max | ${percentile(takeovers, 50)} / ${percentile(takeovers, 99)} / ${takeovers.at(-1)} ms |
| stated bound (lease + lease/4 beat; peer) | ${bound} ms (+ the time to notice the new leader, polled every 50 ms) |
| rollouts finished | ${finished.length} of ${ROLLOUTS} (${phases}) |
| requests through the proxy | ${report.requests.ok + report.requests.bad} (${report.requests.bad} failed) |
| notifications received / sent twice | ${report.notifications} / ${report.duplicates.length} |
`,
);
