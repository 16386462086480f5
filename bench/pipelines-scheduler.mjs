#!/usr/bin/env node
// Scheduler overhead: a generated workflow of N jobs running `true` in a wide graph (one root, N-2
// jobs that need it, one sink that needs them all) through `slipway run`, against the same N
// `bash -c true` processes started directly in the same order at the same parallelism.
//   node bench/pipelines-scheduler.mjs [--jobs 500] [--parallel <CPU count>] [--no-write]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CLI, build, git, machineLine, timed, writeResultsSection, writeTree } from "./pipelines-lib.mjs";

const { values: args } = parseArgs({
  options: {
    jobs: { type: "string", default: "500" },
    parallel: { type: "string", default: String(os.cpus().length) },
    "no-write": { type: "boolean", default: false },
  },
});
const N = Number(args.jobs);
const P = Number(args.parallel);

function workflow() {
  const lines = [
    "name: wide",
    "on: push",
    "jobs:",
    "  root:",
    "    runs-on: ubuntu-latest",
    "    steps:",
    "      - run: 'true'",
  ];
  for (let i = 1; i <= N - 2; i++) {
    lines.push(
      `  j${i}:`,
      "    runs-on: ubuntu-latest",
      "    needs: root",
      "    steps:",
      "      - run: 'true'",
    );
  }
  lines.push(
    "  sink:",
    "    runs-on: ubuntu-latest",
    `    needs: [${Array.from({ length: N - 2 }, (_, i) => `j${i + 1}`).join(", ")}]`,
    "    steps:",
    "      - run: 'true'",
  );
  return `${lines.join("\n")}\n`;
}

/** N bash processes, root first, then the middle at parallelism P, then the sink. */
async function direct() {
  const started = process.hrtime.bigint();
  const once = () =>
    new Promise((resolve, reject) => {
      const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", "true"], {
        stdio: "ignore",
      });
      child.on("error", reject);
      child.on("close", resolve);
    });
  await once();
  let next = 0;
  await Promise.all(
    Array.from({ length: P }, async () => {
      while (next < N - 2) {
        next++;
        await once();
      }
    }),
  );
  await once();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

build();
const repo = mkdtempSync(join(os.tmpdir(), "slipway-bench-scheduler-"));
try {
  git(repo, "init", "-q", "-b", "main");
  writeTree(repo, {
    ".github/workflows/wide.yml": workflow(),
    ".gitignore": ".slipway/\n",
    "README.md": "bench\n",
  });
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "wide workflow");

  const directMs = await direct();
  const slipway = await timed(
    process.execPath,
    [CLI, "run", "--event", "push", "--max-parallel", String(P), "--json"],
    { cwd: repo },
  );
  const run = JSON.parse(slipway.out);
  const succeeded = run.jobs.filter((j) => j.conclusion === "success").length;
  if (succeeded !== N) throw new Error(`expected ${N} successful jobs, got ${succeeded}`);
  const perJob = (slipway.ms - directMs) / N;
  const summary = {
    jobs: N,
    parallel: P,
    directMs: Math.round(directMs),
    slipwayMs: Math.round(slipway.ms),
    overheadPerJobMs: Number(perJob.toFixed(1)),
  };
  console.log(summary);
  if (!args["no-write"]) {
    writeResultsSection(
      "pipelines-scheduler",
      `## Pipelines: scheduler overhead (\`node bench/pipelines-scheduler.mjs\`)

${machineLine()}

A workflow of ${N} jobs running \`true\` (one root, ${N - 2} jobs needing it, one sink needing them all), \`slipway run --max-parallel ${P}\` (wall time of the whole command, process start included), against the same ${N} \`bash --noprofile --norc -eo pipefail -c true\` processes spawned directly from Node in the same order at parallelism ${P}.

| | wall time | per job |
|---|---|---|
| direct spawn | ${summary.directMs} ms | ${(directMs / N).toFixed(1)} ms |
| slipway run | ${summary.slipwayMs} ms | ${(slipway.ms / N).toFixed(1)} ms |
| **overhead** | ${summary.slipwayMs - summary.directMs} ms | **${summary.overheadPerJobMs} ms** (target ≤ 2 ms) |

Each Slipway job gets its own git worktree of the run's commit, a temp dir with the GITHUB_* files, a history row and stored logs; that isolation is most of the per-job cost, not the DAG scheduling.`,
    );
  }
} finally {
  try {
    git(repo, "worktree", "prune");
  } catch {
    // nothing to prune
  }
  rmSync(repo, { recursive: true, force: true });
}
