#!/usr/bin/env node
// Scheduler overhead: a generated workflow of N jobs running `true` in a wide graph (one root, N-2
// jobs that need it, one sink that needs them all) through `slipway run`, against the same N
// `bash -c true` processes started directly (by a node process) in the same order at the same
// parallelism. Then the same with an `actions/checkout` step in every job, on a generated
// 100-package repository. Peers alternate, round after round, in the same run; wall time and CPU
// time (user + system of the command and its processes) are both reported.
// The overhead per job of the whole command (fixed start included) depends on how many jobs share
// the fixed start; the trivial workflow also runs at two sizes (--slope), whose difference gives
// the marginal cost of one more job (the slope) and the fixed start (the overhead at zero jobs).
//   node bench/pipelines-scheduler.mjs [--jobs 200] [--slope 100,300] [--checkout-jobs 40]
//     [--packages 100] [--rounds 3] [--parallel 2] [--before /path/to/bin/slipway.js] [--no-write]
// --checkout-jobs 0 leaves the checkout workflow out; --before also times another build's
// `slipway run` in each round (the A/B of a change).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  CLI,
  build,
  git,
  loadAverage,
  machineLine,
  median,
  monorepoFiles,
  timedCpu,
  writeResultsSection,
  writeTree,
} from "./pipelines-lib.mjs";

const { values: args } = parseArgs({
  options: {
    jobs: { type: "string", default: "200" },
    slope: { type: "string", default: "100,300" },
    "checkout-jobs": { type: "string", default: "40" },
    packages: { type: "string", default: "100" },
    rounds: { type: "string", default: "3" },
    parallel: { type: "string", default: String(os.cpus().length) },
    before: { type: "string" },
    "no-write": { type: "boolean", default: false },
  },
});
const P = Number(args.parallel);
const ROUNDS = Number(args.rounds);

/** A wide graph of `n` jobs; each job's steps are `steps` (YAML lines, indented for a job). */
function workflow(n, steps) {
  const lines = [
    "name: wide",
    "on: push",
    "jobs:",
    "  root:",
    "    runs-on: ubuntu-latest",
    "    steps:",
    ...steps,
  ];
  for (let i = 1; i <= n - 2; i++) {
    lines.push(`  j${i}:`, "    runs-on: ubuntu-latest", "    needs: root", "    steps:", ...steps);
  }
  lines.push(
    "  sink:",
    "    runs-on: ubuntu-latest",
    `    needs: [${Array.from({ length: n - 2 }, (_, i) => `j${i + 1}`).join(", ")}]`,
    "    steps:",
    ...steps,
  );
  return `${lines.join("\n")}\n`;
}

/** The direct peer: a node process spawning n bash processes, root first, the middle at parallelism P, then the sink. */
const DIRECT = `
const { spawn } = require("node:child_process");
const [n, p] = process.argv.slice(1).map(Number);
const once = () => new Promise((resolve, reject) => {
  const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", "true"], { stdio: "ignore" });
  child.on("error", reject);
  child.on("close", resolve);
});
(async () => {
  await once();
  let next = 0;
  await Promise.all(Array.from({ length: p }, async () => { while (next < n - 2) { next++; await once(); } }));
  await once();
})();
`;

function makeRepo(files) {
  const repo = mkdtempSync(join(os.tmpdir(), "slipway-bench-scheduler-"));
  git(repo, "init", "-q", "-b", "main");
  writeTree(repo, { ".gitignore": ".slipway/\n", "README.md": "bench\n", ...files });
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "bench");
  return repo;
}

const m = (runs, key) => median(runs.map((r) => r[key]));

/**
 * Runs every case's peers (direct, slipway run, and the --before build's) in turn, round after
 * round, so that each case and peer sees the same machine; medians of wall and CPU time per case.
 */
async function compare(cases) {
  const peers = [
    ["direct", (n) => [process.execPath, ["-e", DIRECT, String(n), String(P)]]],
    ["slipway", () => [process.execPath, [CLI, ...RUN_ARGS]]],
    ...(args.before ? [["before", () => [process.execPath, [args.before, ...RUN_ARGS]]]] : []),
  ];
  const runs = cases.map(() => Object.fromEntries(peers.map(([peer]) => [peer, []])));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, { label, repo, n }] of cases.entries()) {
      const line = [];
      for (const [peer, command] of peers) {
        const [cmd, cmdArgs] = command(n);
        const run = await timedCpu(cmd, cmdArgs, { cwd: repo });
        if (peer !== "direct") {
          const succeeded = JSON.parse(run.out).jobs.filter((j) => j.conclusion === "success").length;
          if (succeeded !== n) throw new Error(`${label}: expected ${n} successful jobs, got ${succeeded}`);
        }
        runs[i][peer].push(run);
        line.push(`${peer} ${Math.round(run.ms)} ms (cpu ${Math.round(run.cpuMs)})`);
      }
      console.log(`${label} round ${round + 1}: ${line.join(", ")} · load ${os.loadavg()[0].toFixed(1)}`);
    }
  }
  return cases.map(({ label, n }, i) => {
    const row = { label, jobs: n };
    for (const [peer] of peers) {
      row[`${peer}Ms`] = m(runs[i][peer], "ms");
      row[`${peer}CpuMs`] = m(runs[i][peer], "cpuMs");
    }
    for (const peer of ["slipway", "before"].filter((p) => `${p}Ms` in row)) {
      const prefix = peer === "slipway" ? "overhead" : "beforeOverhead";
      row[`${prefix}Ms`] = (row[`${peer}Ms`] - row.directMs) / n;
      row[`${prefix}CpuMs`] = (row[`${peer}CpuMs`] - row.directCpuMs) / n;
    }
    return row;
  });
}

/**
 * From the same workflow at two sizes: the marginal overhead of one more job (the difference of
 * the overheads over the difference of the job counts) and the fixed start (the overhead left at
 * zero jobs), for slipway and, with --before, the other build.
 */
function slope(small, large) {
  const result = {};
  for (const [peer, prefix] of [
    ["slipway", ""],
    ["before", "before"],
  ]) {
    if (!(`${peer}Ms` in small)) continue;
    for (const unit of ["Ms", "CpuMs"]) {
      const overhead = (row) => row[`${peer}${unit}`] - row[`direct${unit}`];
      const marginal = (overhead(large) - overhead(small)) / (large.jobs - small.jobs);
      const name = (what) => (prefix ? `${prefix}${what[0].toUpperCase()}${what.slice(1)}` : what);
      result[name(`marginal${unit}`)] = marginal;
      result[name(`fixed${unit}`)] = overhead(small) - marginal * small.jobs;
    }
  }
  return result;
}

build();
const machine = machineLine();
const N = Number(args.jobs);
const C = Number(args["checkout-jobs"]);
const [S, L] = args.slope.split(",").map(Number);
const RUN_ARGS = ["run", "--event", "push", "--max-parallel", String(P), "--json"];
const trivialRepo = (n) => makeRepo({ ".github/workflows/wide.yml": workflow(n, ["      - run: 'true'"]) });
const cases = [
  { label: "trivial", repo: trivialRepo(N), n: N },
  { label: `trivial-${S}`, repo: trivialRepo(S), n: S },
  { label: `trivial-${L}`, repo: trivialRepo(L), n: L },
];
if (C > 0)
  cases.push({
    label: "checkout",
    repo: makeRepo({
      ...monorepoFiles(Number(args.packages)),
      ".github/workflows/wide.yml": workflow(C, ["      - uses: actions/checkout@v4", "      - run: 'true'"]),
    }),
    n: C,
  });
let rows;
try {
  rows = await compare(cases);
} finally {
  for (const { repo } of cases) rmSync(repo, { recursive: true, force: true });
}
const [t, small, large, c] = rows;
const sl = slope(small, large);
console.log(rows, sl);
const loadAtEnd = loadAverage();

const f = (ms) => `${Math.round(ms)} ms`;
const perJob = (ms) => `${ms.toFixed(1)} ms`;
if (!args["no-write"]) {
  if (!c) throw new Error("--checkout-jobs 0 measures too little to write the results: add --no-write");
  writeResultsSection(
    "pipelines-scheduler",
    `## Pipelines: scheduler overhead (\`node bench/pipelines-scheduler.mjs\`)

${machine} · load average at the end ${loadAtEnd} · ${ROUNDS} rounds, peers alternating, medians

Two workflows of wide graphs (one root job, the others needing it, one sink needing them all), \`slipway run --max-parallel ${P}\` (the whole command, process start included), against the same \`bash --noprofile --norc -eo pipefail -c true\` processes spawned directly by a node process in the same order at parallelism ${P}. *trivial*: ${t.jobs} jobs running \`true\`. *checkout*: ${c.jobs} jobs, each \`actions/checkout\` then \`true\`, in a generated repository of ${args.packages} npm packages (${Number(args.packages) * 3 + 2} files). CPU is user + system time of the command and all its processes (GNU time): on this shared machine it swings much less than wall time.

| workflow | direct: wall | direct: CPU | slipway run: wall | slipway run: CPU | **overhead per job: wall** | **overhead per job: CPU** |
|---|---|---|---|---|---|---|
| trivial, ${t.jobs} jobs | ${f(t.directMs)} | ${f(t.directCpuMs)} | ${f(t.slipwayMs)} | ${f(t.slipwayCpuMs)} | **${perJob(t.overheadMs)}** | **${perJob(t.overheadCpuMs)}** |
| checkout, ${c.jobs} jobs | ${f(c.directMs)} | ${f(c.directCpuMs)} | ${f(c.slipwayMs)} | ${f(c.slipwayCpuMs)} | **${perJob(c.overheadMs)}** | **${perJob(c.overheadCpuMs)}** |

The overhead per job above is the whole command's overhead divided by its jobs, so it shrinks as a workflow grows. Split into what one more job costs and what a run costs once, from the trivial workflow at ${S} and ${L} jobs in the same rounds (marginal: the difference of the two overheads over the ${L - S} jobs between them; fixed start: the overhead left at zero jobs, beyond the direct peer's own node start):

| trivial workflow | direct: wall | direct: CPU | slipway run: wall | slipway run: CPU |
|---|---|---|---|---|
| ${S} jobs | ${f(small.directMs)} | ${f(small.directCpuMs)} | ${f(small.slipwayMs)} | ${f(small.slipwayCpuMs)} |
| ${L} jobs | ${f(large.directMs)} | ${f(large.directCpuMs)} | ${f(large.slipwayMs)} | ${f(large.slipwayCpuMs)} |
| **marginal overhead per job** (slipway − direct) | | | **${perJob(sl.marginalMs)}** | **${perJob(sl.marginalCpuMs)}** |
| **fixed start** (the overhead at zero jobs) | | | **${f(sl.fixedMs)}** | **${f(sl.fixedCpuMs)}** |

Targets (issue 13): ≤ 5 ms per trivial job (aim ≤ 2 ms); ≤ 50 ms per job with a checkout step on the 100-package repository. Where a job's time goes: its workspace is an empty folder until \`actions/checkout\` makes it a git worktree (as on GitHub); a checkout reuses a finished job's worktree of the run (checked out at the commit and cleaned when taken), and writes a new one (\`git worktree add\`) only when none is free; a job's own folders (RUNNER_TEMP, HOME, the steps' command files and scripts) are on tmpfs (/dev/shm) when it has 1 GiB free, so only the job folder and its workspace are made on disk, off the event loop, and removed in the background; a step's shell is started by its full path. V8's optimising compiler (TurboFan) stays on: turning it off saved a quarter of the CPU of 200 trivial jobs but made a job printing 400,000 log lines 1.5x slower. What is left per trivial job (perf, --cpu-prof and strace, 2026-12-06): starting the step's shell (libuv forks the ~100 MB Node process and waits until the child has exec'd, so the event loop stands still meanwhile), V8's optimising compiler threads, V8's garbage collector, and the two folders on this disk per job. The fixed start: Node's own start, loading the engine and the SQLite driver (about 100 ms of CPU), the workflow schema and the YAML, and 9 git processes (8 of them in three rounds, while the workflows parse). A process started by Node costs more than its own run (libuv forks the whole Node process, more slowly the more memory it holds): each git process avoided counts..`,
  );
}
