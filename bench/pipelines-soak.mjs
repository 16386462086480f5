#!/usr/bin/env node
// Soak: `slipway run` of a 12-job matrix workflow with actions/checkout, many times in a row, on a
// generated npm-workspaces repository. Every job checks that its workspace is a clean checkout of
// the run's commit (no file of another job or run), writes a file there, and passes; so any failed
// run, any worktree or temp folder left behind after a run, is Slipway's failure, not the
// workflow's. Reports failures (with the first error line of each) and the time of each run.
//   node bench/pipelines-soak.mjs [--runs 50] [--packages 20] [--no-write]
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
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
  timed,
  writeResultsSection,
  writeTree,
} from "./pipelines-lib.mjs";

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "50" },
    packages: { type: "string", default: "20" },
    "no-write": { type: "boolean", default: false },
  },
});
const RUNS = Number(args.runs);

const WORKFLOW = `name: soak
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      matrix:
        os: [a, b, c]
        node: [20, 22, 24, 26]
    steps:
      - uses: actions/checkout@v4
      - name: the workspace is a clean checkout of the run's commit
        run: |
          test "$(git rev-parse HEAD)" = "$GITHUB_SHA"
          test -f packages/pkg-001/package.json
          test ! -e leftover.txt
          test -z "$(git status --porcelain)"
          echo "\${{ matrix.os }}-\${{ matrix.node }}" > leftover.txt
      - run: node -e 'process.stdout.write(require("./packages/pkg-001/package.json").name + "\\n")'
`;

build();
const machine = machineLine();
const tmp = mkdtempSync(join(os.tmpdir(), "slipway-bench-soak-"));
const repo = join(tmp, "repo");
const runTemp = join(tmp, "tmp"); // TMPDIR of the runs: empty again after each one
mkdirSync(repo);
mkdirSync(runTemp);
const failures = [];
const times = [];
try {
  writeTree(repo, { ...monorepoFiles(Number(args.packages)), ".github/workflows/soak.yml": WORKFLOW });
  git(repo, "init", "-q", "-b", "main");
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "soak");
  const env = { ...process.env, TMPDIR: runTemp };
  for (let i = 1; i <= RUNS; i++) {
    let problem;
    let ms;
    try {
      const run = await timed(process.execPath, [CLI, "run", "--event", "push", "--json"], {
        cwd: repo,
        env,
      });
      ms = run.ms;
      const result = JSON.parse(run.out);
      const bad = result.jobs.filter((j) => j.conclusion !== "success");
      if (result.jobs.length !== 12) problem = `${result.jobs.length} jobs instead of 12`;
      else if (bad.length > 0)
        problem = bad.map((j) => `${j.name}: ${j.conclusion}${j.reason ? ` (${j.reason})` : ""}`).join("; ");
    } catch (error) {
      problem = String(error.message).split("\n").slice(0, 3).join(" ");
    }
    const worktrees = git(repo, "worktree", "list").split("\n").length - 1;
    const leftovers = readdirSync(runTemp);
    if (!problem && worktrees > 0) problem = `${worktrees} worktree(s) left behind`;
    if (!problem && leftovers.length > 0) problem = `left in TMPDIR: ${leftovers.join(", ")}`;
    if (problem) failures.push({ run: i, problem });
    if (ms !== undefined) times.push(ms);
    console.log(
      `run ${i}/${RUNS}: ${ms === undefined ? "-" : Math.round(ms)} ms${problem ? ` FAILED: ${problem}` : ""} · load ${os.loadavg()[0].toFixed(1)}`,
    );
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
const loadAtEnd = loadAverage();
const sorted = [...times].sort((a, b) => a - b);
const summary = {
  runs: RUNS,
  failures: failures.length,
  medianMs: Math.round(median(times)),
  p90Ms: Math.round(sorted[Math.floor(sorted.length * 0.9)] ?? NaN),
  maxMs: Math.round(sorted.at(-1) ?? NaN),
};
console.log(summary, failures);
if (!args["no-write"]) {
  writeResultsSection(
    "pipelines-soak",
    `## Pipelines: soak, a 12-job matrix with checkout run ${RUNS} times in a row (\`node bench/pipelines-soak.mjs\`)

${machine} · load average at the end ${loadAtEnd}

\`slipway run\` (default parallelism: one job per CPU) of a workflow with one job, a 3 × 4 matrix (12 jobs, \`fail-fast: false\`), each: \`actions/checkout\`, a step checking that the workspace is a clean checkout of the run's commit with no file of another job or run (then writing one), and \`node -e\` reading a package.json; on a generated repository of ${args.packages} npm packages. A run counts as failed when any job fails, or when a worktree or anything in the runs' TMPDIR is left behind after it.

| runs | failed runs | per run: median | p90 | max |
|---|---|---|---|---|
| ${RUNS} | **${failures.length}** | ${summary.medianMs} ms | ${summary.p90Ms} ms | ${summary.maxMs} ms |
${failures.length > 0 ? `\nFailures:\n${failures.map((f) => `- run ${f.run}: ${f.problem}`).join("\n")}\n` : ""}
Target (issue 13): 0 failures the workflow did not cause in 50 runs.`,
  );
}
