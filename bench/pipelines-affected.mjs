#!/usr/bin/env node
// Affected-only run on a generated 100-package npm-workspaces monorepo after a one-package change:
// `slipway run` of a workflow that asks `slipway affected` which packages changed and builds only
// those (a matrix), against `turbo run build --affected` (npm package turbo, installed into a temp
// directory by this script), both warm, on the same commit.
//   node bench/pipelines-affected.mjs [--packages 100] [--rounds 3] [--turbo 2.11.11] [--detect action|cli]
//     [--fresh-worktrees] [--before /path/to/bin/slipway.js] [--no-write]
// Slipway runs with SLIPWAY_REUSE_WORKTREES=1 (its worktrees kept between runs, as a self-hosted
// runner keeps its workspace) unless --fresh-worktrees: every job's checkout then writes a new one.
// --before: also time another build's `slipway run` in each round (same workflow; that build must
// know the workflow's actions).
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
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
  timedCpu,
  writeResultsSection,
  writeTree,
} from "./pipelines-lib.mjs";

const { values: args } = parseArgs({
  options: {
    packages: { type: "string", default: "100" },
    rounds: { type: "string", default: "3" },
    turbo: { type: "string", default: "2.11.11" },
    detect: { type: "string", default: "action" },
    "fresh-worktrees": { type: "boolean", default: false },
    before: { type: "string" },
    "no-write": { type: "boolean", default: false },
  },
});
const COUNT = Number(args.packages);
const ROUNDS = Number(args.rounds);
const LIBS = 10;
const name = (i) => `pkg-${String(i).padStart(3, "0")}`;

// How job 1 finds the changed packages. action (default): the built-in `slipway/affected` action,
// the detection run in the runner's process (docs/actions.md); cli: a `run:` step calling
// `slipway affected --json` and extracting `.affected` with node (a shell and two Node starts).
const DETECT = {
  action: `      - id: detect
        uses: slipway/affected@v1
        with:
          base: HEAD~1
          head: HEAD`,
  cli: `      - id: detect
        env:
          SLIPWAY_CLI: \${{ vars.SLIPWAY_CLI }}
        run: |
          affected=$(node "$SLIPWAY_CLI" affected --base HEAD~1 --head HEAD --json | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.stringify(JSON.parse(s).affected)))')
          echo "affected=$affected" >> "$GITHUB_OUTPUT"`,
};
if (!(args.detect in DETECT)) throw new Error(`--detect: action or cli, not ${args.detect}`);

const WORKFLOW = `name: affected build
on: push
jobs:
  affected:
    runs-on: ubuntu-latest
    outputs:
      packages: \${{ steps.detect.outputs.affected }}
    steps:
      - uses: actions/checkout@v4
${DETECT[args.detect]}
  build:
    needs: affected
    if: needs.affected.outputs.packages != '[]'
    runs-on: ubuntu-latest
    strategy:
      matrix:
        package: \${{ fromJSON(needs.affected.outputs.packages) }}
    steps:
      - uses: actions/checkout@v4
      - run: npm run build
        working-directory: packages/\${{ matrix.package }}
`;

function monorepo(dir) {
  const npmVersion = execFileSync("npm", ["--version"], { encoding: "utf8" }).trim();
  const files = monorepoFiles(COUNT, LIBS);
  files["package.json"] = JSON.stringify(
    { ...JSON.parse(files["package.json"]), packageManager: `npm@${npmVersion}` },
    null,
    2,
  );
  files["turbo.json"] = JSON.stringify(
    { $schema: "https://turborepo.com/schema.json", tasks: { build: { outputs: ["dist/**"] } } },
    null,
    2,
  );
  files[".github/workflows/affected.yml"] = WORKFLOW;
  writeTree(dir, files);
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: dir,
    stdio: "inherit",
  });
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "monorepo");
}

build();
const machine = machineLine();
const tmp = mkdtempSync(join(os.tmpdir(), "slipway-bench-affected-"));
const repo = join(tmp, "repo");
const turboDir = join(tmp, "turbo");
try {
  console.log(`installing turbo@${args.turbo} into ${turboDir}`);
  execFileSync(
    "npm",
    ["install", "--prefix", turboDir, `turbo@${args.turbo}`, "--no-audit", "--no-fund", "--loglevel=error"],
    { stdio: "inherit" },
  );
  const turbo = join(turboDir, "node_modules", ".bin", "turbo");
  const turboVersion = execFileSync(turbo, ["--version"], { encoding: "utf8" }).trim();
  monorepo(repo);

  const env = {
    ...process.env,
    TURBO_TELEMETRY_DISABLED: "1",
    DO_NOT_TRACK: "1",
    TURBO_SCM_BASE: "HEAD~1",
    TURBO_SCM_HEAD: "HEAD",
    CI: "true",
    NO_COLOR: "1",
  };
  // Warm both: turbo's cache holds every package's build; Slipway has run the workflow before
  // (on a first small change, so HEAD~1 exists).
  appendFileSync(join(repo, "packages", name(COUNT - 1), "src", "index.js"), "export const warm = true;\n");
  git(repo, "commit", "-qam", "warm-up change");
  await timed(turbo, ["run", "build"], { cwd: repo, env });
  // TMPDIR in the bench's folder: the runs' folders and the worktrees kept between runs go with it.
  const slipwayTmp = join(tmp, "tmp");
  mkdirSync(slipwayTmp);
  const slipwayEnv = {
    ...env,
    TMPDIR: slipwayTmp,
    SLIPWAY_REUSE_WORKTREES: args["fresh-worktrees"] ? "0" : "1",
  };
  const runArgs = (cli) => [cli, "run", "--event", "push", "--var", `SLIPWAY_CLI=${cli}`, "--json"];
  for (const cli of [CLI, ...(args.before ? [args.before] : [])])
    await timed(process.execPath, runArgs(cli), { cwd: repo, env: slipwayEnv });

  // The change: one application package (a leaf: nothing depends on it).
  const changed = name(Math.min(42, COUNT - 2));
  appendFileSync(join(repo, "packages", changed, "src", "index.js"), "export const touched = true;\n");
  git(repo, "commit", "-qam", `change ${changed}`);

  const turboRuns = [];
  const turboForced = [];
  const slipwayRuns = [];
  const beforeRuns = [];
  let builtBySlipway = [];
  for (let round = 0; round < ROUNDS; round++) {
    turboRuns.push(await timedCpu(turbo, ["run", "build", "--affected"], { cwd: repo, env }));
    turboForced.push(await timedCpu(turbo, ["run", "build", "--affected", "--force"], { cwd: repo, env }));
    const run = await timedCpu(process.execPath, runArgs(CLI), { cwd: repo, env: slipwayEnv });
    slipwayRuns.push(run);
    if (args.before)
      beforeRuns.push(await timedCpu(process.execPath, runArgs(args.before), { cwd: repo, env: slipwayEnv }));
    builtBySlipway = JSON.parse(run.out)
      .jobs.filter((j) => j.id === "build" && j.conclusion === "success")
      .map((j) => j.matrix?.package);
    console.log(
      `round ${round + 1}:${args.before ? ` before ${Math.round(beforeRuns.at(-1).ms)} ms (CPU ${Math.round(beforeRuns.at(-1).cpuMs)}),` : ""} slipway CPU ${Math.round(run.cpuMs)} ms, turbo --force CPU ${Math.round(turboForced.at(-1).cpuMs)} ms; wall: turbo ${Math.round(turboRuns.at(-1).ms)} ms, turbo --force ${Math.round(turboForced.at(-1).ms)} ms, slipway ${Math.round(run.ms)} ms · load ${loadAverage()}`,
    );
  }
  if (builtBySlipway.join() !== changed)
    throw new Error(`slipway built ${builtBySlipway.join()} instead of ${changed}`);
  const affectedOnly = (
    await timed(process.execPath, [CLI, "affected", "--base", "HEAD~1", "--head", "HEAD", "--json"], {
      cwd: repo,
      env,
    })
  ).ms;
  const ms = (runs, key = "ms") => Math.round(median(runs.map((r) => r[key])));
  const result = {
    turboVersion,
    turboWarmMs: ms(turboRuns),
    turboForcedMs: ms(turboForced),
    slipwayMs: ms(slipwayRuns),
    turboWarmCpuMs: ms(turboRuns, "cpuMs"),
    turboForcedCpuMs: ms(turboForced, "cpuMs"),
    slipwayCpuMs: ms(slipwayRuns, "cpuMs"),
    slipwayAffectedCommandMs: Math.round(affectedOnly),
    ...(args.before ? { beforeMs: ms(beforeRuns), beforeCpuMs: ms(beforeRuns, "cpuMs") } : {}),
  };
  result.ratio = Number((result.slipwayMs / result.turboWarmMs).toFixed(2));
  result.ratioForced = Number((result.slipwayMs / result.turboForcedMs).toFixed(2));
  result.cpuRatio = Number((result.slipwayCpuMs / result.turboWarmCpuMs).toFixed(2));
  result.cpuRatioForced = Number((result.slipwayCpuMs / result.turboForcedCpuMs).toFixed(2));
  console.log(result);
  if (!args["no-write"]) {
    writeResultsSection(
      "pipelines-affected",
      `## Pipelines: affected-only run vs turbo (\`node bench/pipelines-affected.mjs\`)

${machine} · load average at the end ${loadAverage()} · peer: turbo ${turboVersion} (npm package \`turbo\`, linux-64 binary)

A generated npm-workspaces monorepo of ${COUNT} packages (${LIBS} libraries, the others each depending on one), one application package (\`${changed}\`, nothing depends on it) changed in the last commit. Both warm: turbo's local cache holds every build and Slipway has run the workflow before. Each job of the workflow checks out (\`actions/checkout\`), as a real workflow must. ${ROUNDS} rounds, the three commands in turn in each; medians of wall time and of CPU time (user + system of the command and all its processes).

| command | wall | CPU | Slipway / it: wall | Slipway / it: CPU |
|---|---|---|---|---|
| \`turbo run build --affected\` (cache hit for the changed package) | ${result.turboWarmMs} ms | ${result.turboWarmCpuMs} ms | ${result.ratio}x | ${result.cpuRatio}x |
| \`turbo run build --affected --force\` (without its cache: the build really runs) | ${result.turboForcedMs} ms | ${result.turboForcedCpuMs} ms | **${result.ratioForced}x** | **${result.cpuRatioForced}x** |
| \`slipway run\` (job 1: checkout, ${args.detect === "action" ? "the built-in `slipway/affected` action" : "a step running `slipway affected --json`"}; job 2: a matrix running \`npm run build\` in \`packages/${changed}\` only) | ${result.slipwayMs} ms | ${result.slipwayCpuMs} ms | — | — |
| \`slipway affected --base HEAD~1 --head HEAD\` alone | ${result.slipwayAffectedCommandMs} ms | | — | — |

Target (issue 13): Slipway ≤ 1.0x turbo's affected run without its cache (the \`--force\` row), same run. Both really build the changed package with \`npm run build\` (turbo runs a task through the package manager too). Slipway has no task cache (the build always runs); the second job reuses the first one's worktree (reset and cleaned) instead of writing the repository's files again${args["fresh-worktrees"] ? "" : ", and with `SLIPWAY_REUSE_WORKTREES=1` a run's first checkout takes a worktree an earlier run kept (checked out at the commit and cleaned: `dist/` is gone, the build writes it again)"}.`,
    );
  }
} finally {
  try {
    git(repo, "worktree", "prune");
  } catch {
    // nothing to prune
  }
  rmSync(tmp, { recursive: true, force: true });
}
