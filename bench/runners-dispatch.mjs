#!/usr/bin/env node
// Workflow jobs through the PostgreSQL job queue to 3 runners (3 network namespaces), against the
// server's in-process scheduler, on the same server code and database kind (PostgreSQL):
// - hand-off latency: a chain of jobs (each needs the one before); per job, from the end of the
//   previous job's last step to the start of its first step (both printed with `date +%s%3N`):
//   the engine noticing the end, the dispatch (queue + claim, or none), the job's checkout;
// - throughput: a wide graph (root → N−2 → sink) of `true` jobs, jobs per second, trigger to end.
//   node bench/runners-dispatch.mjs [--chain 50] [--wide 60] [--no-write]   (root: network namespaces)
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT, build, machineLine } from "./pipelines-lib.mjs";
import { importTs } from "./lib/import-ts.mjs";
import { percentile } from "./lib/proxy-bench.mjs";
import { writeResultsSection } from "./lib/results.mjs";

const { values: args } = parseArgs({
  options: {
    chain: { type: "string", default: "50" },
    wide: { type: "string", default: "60" },
    "no-write": { type: "boolean", default: false },
  },
});
const CHAIN = Number(args.chain);
const WIDE = Number(args.wide);

function chainWorkflow() {
  const lines = ["name: chain", "on: workflow_dispatch", "jobs:"];
  for (let i = 1; i <= CHAIN; i++) {
    lines.push(
      `  c${i}:`,
      "    runs-on: self-hosted",
      ...(i > 1 ? [`    needs: c${i - 1}`] : []),
      "    steps:",
      '      - run: echo "start $(date +%s%3N)"',
      '      - run: echo "end $(date +%s%3N)"',
    );
  }
  return `${lines.join("\n")}\n`;
}

function wideWorkflow() {
  const lines = ["name: wide", "on: workflow_dispatch", "jobs:", "  root:", "    runs-on: self-hosted", "    steps: [{ run: 'true' }]"];
  for (let i = 1; i <= WIDE - 2; i++) {
    lines.push(`  w${i}:`, "    runs-on: self-hosted", "    needs: root", "    steps: [{ run: 'true' }]");
  }
  lines.push(
    "  sink:",
    "    runs-on: self-hosted",
    `    needs: [${Array.from({ length: WIDE - 2 }, (_, i) => `w${i + 1}`).join(", ")}]`,
    "    steps: [{ run: 'true' }]",
  );
  return `${lines.join("\n")}\n`;
}


async function trigger(world, workflow) {
  const started = performance.now();
  const { status, json } = await world.api("POST", "/api/runs", { workflow });
  if (status !== 202) throw new Error(`trigger ${workflow}: ${status} ${JSON.stringify(json)}`);
  const run = await world.waitRun(json.run.runId, 600_000);
  const ms = performance.now() - started;
  const failed = run.jobs.filter((job) => job.conclusion !== "success");
  if (failed.length > 0) throw new Error(`${workflow}: ${JSON.stringify(failed.map((j) => [j.key, j.reason]))}`);
  return { run, ms };
}

async function measure(label, world) {
  const chain = await trigger(world, "chain.yml");
  const { json } = await world.api("GET", `/api/runs/${chain.run.runId}/logs`);
  const marks = new Map(
    json.jobs.map((job) => {
      const at = (word) => Number(job.lines.map((l) => new RegExp(`^${word} (\\d+)$`).exec(l.text)?.[1]).find(Boolean));
      return [job.key, { start: at("start"), end: at("end") }];
    }),
  );
  const handoffs = [];
  for (let i = 2; i <= CHAIN; i++) handoffs.push(marks.get(`c${i}`).start - marks.get(`c${i - 1}`).end);
  handoffs.sort((a, b) => a - b);
  const wide = await trigger(world, "wide.yml");
  return {
    label,
    p50: percentile(handoffs, 50),
    p99: percentile(handoffs, 99),
    max: handoffs.at(-1),
    wideMs: wide.ms,
    jobsPerSecond: WIDE / (wide.ms / 1000),
  };
}

const signed = (n) => (n >= 0 ? `+${n}` : `−${-n}`);

build();
const { startRunnersWorld } = await importTs("test/runners/world.ts");
const workflows = { "chain.yml": chainWorkflow(), "wide.yml": wideWorkflow() };
const bin = join(ROOT, "bin", "slipway.js");
const header = machineLine();
const results = [];
for (const [label, runners] of [
  ["in-process scheduler (server, --runners process)", 0],
  ["queue (pg-boss) → 3 runners in 3 namespaces", 3],
]) {
  const world = await startRunnersWorld({ workflows, runners, bin });
  try {
    results.push(await measure(label, world));
  } finally {
    await world.close();
  }
  console.log(results.at(-1));
}
const loadEnd = (await import("node:os")).loadavg().map((n) => n.toFixed(1)).join(" ");

const markdown = `## Runners: job dispatch through the PostgreSQL queue vs the in-process scheduler (\`node bench/runners-dispatch.mjs\`)

${header} · load average at the end ${loadEnd} (the machine is shared; figures are noisy).
Both peers: \`slipway server\` code in the bench process on PostgreSQL (127.0.0.1), same project.
In-process: jobs run in the server's process, at most one per core (2). Queue: \`--runners queue\`
(pg-boss 10.4.2), three \`slipway runner\` processes, each in its own network namespace, reaching
the server over a veth pair; one job at a time each; heartbeat 1 s.

Hand-off: a chain of ${CHAIN} jobs, each needing the one before; per job, from the end of the previous
job's last step to the start of its first step (\`date +%s%3N\` in the steps): the engine seeing the
job end (on a runner: final beat, upload, result), the dispatch (queue row, claim), the job's
checkout (\`git worktree add\`). Throughput: ${WIDE} \`true\` jobs (root → ${WIDE - 2} → sink), trigger to end.

| dispatch | hand-off p50 ms | p99 ms | max ms | ${WIDE} jobs, s | jobs/s |
| --- | ---: | ---: | ---: | ---: | ---: |
${results
  .map(
    (r) =>
      `| ${r.label} | ${r.p50} | ${r.p99} | ${r.max} | ${(r.wideMs / 1000).toFixed(1)} | ${r.jobsPerSecond.toFixed(2)} |`,
  )
  .join("\n")}

With ${CHAIN - 1} hand-offs, p99 is the slowest of them. Queue against in-process: p50
${signed(results[1].p50 - results[0].p50)} ms, p99 ${signed(results[1].p99 - results[0].p99)} ms; throughput ${(results[1].jobsPerSecond / results[0].jobsPerSecond).toFixed(2)}x (3 runners against 2 jobs at once in the server).
What the queue adds per job: a beat carrying the last lines, the artifacts download and upload
calls, the result, then the next claim (woken at once when the job is queued) and the commit
checkout on the runner.
`;
console.log(markdown);
if (!args["no-write"]) writeResultsSection("runners-dispatch", markdown);
