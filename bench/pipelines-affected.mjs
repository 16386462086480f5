#!/usr/bin/env node
// Affected-only run on a generated 100-package npm-workspaces monorepo after a one-package change:
// `slipway run` of a workflow that asks `slipway affected` which packages changed and builds only
// those (a matrix), against `turbo run build --affected` (npm package turbo, installed into a temp
// directory by this script), both warm, on the same commits: a new one every round.
//   node bench/pipelines-affected.mjs [--packages 100] [--rounds 3] [--turbo 2.11.11] [--detect action|cli]
//     [--fresh-worktrees] [--before /path/to/bin/slipway.js] [--no-write]
// Slipway runs with SLIPWAY_REUSE_WORKTREES=1 (its worktrees kept between runs, as a self-hosted
// runner keeps its workspace) unless --fresh-worktrees: every job's checkout then writes a new one.
// --before: also time another build's `slipway run` in each round (same workflow; that build must
// know the workflow's actions).
// Also timed: the same workflow started through a warm `slipway up` (POST /api/runs, as a push
// webhook starts it), until /api/events reports the run completed. The project's slipway.yaml is
// in ops/ (one idle service), so `slipway/affected` still reads the npm workspaces.
// NODE_EXTRA_CA_CERTS is removed from every command's environment: each Node process that sees it
// reads the bundle at start, and turbo's strict environment mode keeps it from its tasks while
// Slipway passes the host's environment to steps (as GitHub's runner does); with it set on the
// machine, `slipway run` is also timed with it, in a row of its own.
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startSlipwayServer } from "./lib/slipway-server.mjs";
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

// The control plane's project: one idle service, so that `slipway up` has something to serve.
const SERVER_PROJECT = `project:
  name: bench
services:
  web:
    path: .
    start: node -e 'require("node:http").createServer((q, s) => s.end("ok")).listen(process.env.PORT)'
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
  files["ops/slipway.yaml"] = SERVER_PROJECT;
  writeTree(dir, files);
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: dir,
    stdio: "inherit",
  });
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "monorepo");
}

/**
 * Resolves once no worktree kept under `tmp` is being cleaned (`.cleaning-…`, see worktree-pool.ts):
 * a run cleans what it kept after its end, and that CPU time is the run's.
 */
async function keptWorktreesCleaned(tmp) {
  const root = join(tmp, "slipway-worktrees");
  const cleaning = () =>
    (existsSync(root) ? readdirSync(root) : []).some((repoKey) =>
      readdirSync(join(root, repoKey)).some((name) => name.startsWith(".cleaning-")),
    );
  for (const deadline = Date.now() + 10_000; cleaning() && Date.now() < deadline;)
    await new Promise((resolve) => setTimeout(resolve, 5));
}

build();
const machine = machineLine();
const tmp = mkdtempSync(join(os.tmpdir(), "slipway-bench-affected-"));
const repo = join(tmp, "repo");
const turboDir = join(tmp, "turbo");
let server;
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

  const { NODE_EXTRA_CA_CERTS: extraCaCerts, ...hostEnv } = process.env;
  const env = {
    ...hostEnv,
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
  const withCaCerts =
    extraCaCerts === undefined ? undefined : { ...slipwayEnv, NODE_EXTRA_CA_CERTS: extraCaCerts };
  server = await startSlipwayServer({
    cli: CLI,
    projectDir: join(repo, "ops"),
    env: slipwayEnv,
    settled: () => keptWorktreesCleaned(slipwayTmp),
  });
  await server.run("affected.yml", "push");

  // The change: one application package (a leaf: nothing depends on it), a new commit every
  // round, as every push is: the worktrees Slipway kept are at the last round's commit.
  const changed = name(Math.min(42, COUNT - 2));
  const push = (round) => {
    appendFileSync(join(repo, "packages", changed, "src", "index.js"), `export const touched${round} = true;\n`);
    git(repo, "commit", "-qam", `change ${changed} (round ${round})`);
  };

  const turboRuns = [];
  const turboForced = [];
  const slipwayRuns = [];
  const serverRuns = [];
  const caCertRuns = [];
  const beforeRuns = [];
  let builtBySlipway = [];
  const serverRun = async () => {
    const served = await server.run("affected.yml", "push");
    if (served.run.conclusion !== "success") throw new Error(`server run: ${JSON.stringify(served.run)}`);
    serverRuns.push(served);
  };
  const turboForcedRun = async () =>
    turboForced.push(await timedCpu(turbo, ["run", "build", "--affected", "--force"], { cwd: repo, env }));
  for (let round = 0; round < ROUNDS; round++) {
    push(round);
    // The first run after the commit in turn: turbo's, then Slipway's server's.
    for (const next of round % 2 === 0 ? [turboForcedRun, serverRun] : [serverRun, turboForcedRun])
      await next();
    const run = await timedCpu(process.execPath, runArgs(CLI), { cwd: repo, env: slipwayEnv });
    slipwayRuns.push(run);
    // Last: by now turbo's cache holds this commit's build (written by its --force run).
    turboRuns.push(await timedCpu(turbo, ["run", "build", "--affected"], { cwd: repo, env }));
    if (withCaCerts)
      caCertRuns.push(await timedCpu(process.execPath, runArgs(CLI), { cwd: repo, env: withCaCerts }));
    if (args.before)
      beforeRuns.push(await timedCpu(process.execPath, runArgs(args.before), { cwd: repo, env: slipwayEnv }));
    builtBySlipway = JSON.parse(run.out)
      .jobs.filter((j) => j.id === "build" && j.conclusion === "success")
      .map((j) => j.matrix?.package);
    console.log(
      `round ${round + 1}:${args.before ? ` before ${Math.round(beforeRuns.at(-1).ms)} ms (CPU ${Math.round(beforeRuns.at(-1).cpuMs)}),` : ""} slipway CPU ${Math.round(run.cpuMs)} ms, turbo --force CPU ${Math.round(turboForced.at(-1).cpuMs)} ms; wall: turbo ${Math.round(turboRuns.at(-1).ms)} ms, turbo --force ${Math.round(turboForced.at(-1).ms)} ms, slipway ${Math.round(run.ms)} ms, through the server ${Math.round(serverRuns.at(-1).ms)} ms (CPU ${Math.round(serverRuns.at(-1).cpuMs)})${withCaCerts ? `, with NODE_EXTRA_CA_CERTS ${Math.round(caCertRuns.at(-1).ms)} ms` : ""} · load ${loadAverage()}`,
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
    serverMs: ms(serverRuns),
    serverCpuMs: ms(serverRuns, "cpuMs"),
    ...(withCaCerts ? { caCertsMs: ms(caCertRuns), caCertsCpuMs: ms(caCertRuns, "cpuMs") } : {}),
    slipwayAffectedCommandMs: Math.round(affectedOnly),
    ...(args.before ? { beforeMs: ms(beforeRuns), beforeCpuMs: ms(beforeRuns, "cpuMs") } : {}),
  };
  result.ratio = Number((result.slipwayMs / result.turboWarmMs).toFixed(2));
  result.ratioForced = Number((result.slipwayMs / result.turboForcedMs).toFixed(2));
  result.cpuRatio = Number((result.slipwayCpuMs / result.turboWarmCpuMs).toFixed(2));
  result.cpuRatioForced = Number((result.slipwayCpuMs / result.turboForcedCpuMs).toFixed(2));
  result.serverRatioForced = Number((result.serverMs / result.turboForcedMs).toFixed(2));
  result.serverCpuRatioForced = Number((result.serverCpuMs / result.turboForcedCpuMs).toFixed(2));
  console.log(result);
  if (!args["no-write"]) {
    writeResultsSection(
      "pipelines-affected",
      `## Pipelines: affected-only run vs turbo (\`node bench/pipelines-affected.mjs\`)

${machine} · load average at the end ${loadAverage()} · peer: turbo ${turboVersion} (npm package \`turbo\`, linux-64 binary)

A generated npm-workspaces monorepo of ${COUNT} packages (${LIBS} libraries, the others each depending on one), one application package (\`${changed}\`, nothing depends on it) changed in the last commit: a new commit every round, as every push is. Both warm: turbo's local cache holds every build and Slipway has run the workflow before (on the last round's commit). In each round the first run after the commit is turbo's \`--force\` run, then Slipway's through the server, in turn; then \`slipway run\`, then turbo's cached run. Each job of the workflow checks out (\`actions/checkout\`), as a real workflow must: job 1 checks out and runs ${args.detect === "action" ? "the built-in `slipway/affected` action" : "a step running `slipway affected --json`"}, job 2 is a matrix running \`npm run build\` in \`packages/${changed}\` only. ${ROUNDS} rounds, the commands in turn in each; medians of wall time and of CPU time (user + system of the command and all its processes; for the server, its own and its steps' CPU time from /proc, in 10 ms ticks).

| command | wall | CPU | / turbo \`--force\`: wall | CPU |
|---|---|---|---|---|
| \`turbo run build --affected\` (cache hit for the changed package) | ${result.turboWarmMs} ms | ${result.turboWarmCpuMs} ms | | |
| \`turbo run build --affected --force\` (without its cache: the build really runs) | ${result.turboForcedMs} ms | ${result.turboForcedCpuMs} ms | 1x | 1x |
| \`slipway run\` (the CLI: a Node process started for the run) | ${result.slipwayMs} ms | ${result.slipwayCpuMs} ms | **${result.ratioForced}x** | ${result.cpuRatioForced}x |
| the same workflow started through a warm \`slipway up\` (\`POST /api/runs\` until \`/api/events\` says completed, as a push webhook starts it) | ${result.serverMs} ms | ${result.serverCpuMs} ms | **${result.serverRatioForced}x** | ${result.serverCpuRatioForced}x |
${withCaCerts ? `| \`slipway run\` with this machine's \`NODE_EXTRA_CA_CERTS\` kept (see below) | ${result.caCertsMs} ms | ${result.caCertsCpuMs} ms | ${(result.caCertsMs / result.turboForcedMs).toFixed(2)}x | |\n` : ""}| \`slipway affected --base HEAD~1 --head HEAD\` alone | ${result.slipwayAffectedCommandMs} ms | | | |

Target (issue 13): Slipway ≤ 1.0x turbo's affected run without its cache (the \`--force\` row), same run. Both really build the changed package with \`npm run build\` (turbo runs a task through the package manager too). Slipway has no task cache (the build always runs)${args["fresh-worktrees"] ? "; the second job takes the first one's worktree (checked out and cleaned when taken) instead of writing the repository's files again" : ". With `SLIPWAY_REUSE_WORKTREES=1` (the CLI and the server) the worktrees a run used are kept for the next run and cleaned after its end (at nice 10; the server's CPU column waits for that cleaning and counts it): the first job's worktree is taken and checked out at the commit as the run starts, and the second job's while the first job runs (`dist/` is gone, the build writes it again); a server keeps the repository's settings and default branch between runs while their files are unchanged (docs/pipelines.md)"}. The server's project (\`ops/slipway.yaml\`, one idle service behind the proxy) is part of the repository. \`NODE_EXTRA_CA_CERTS\` is removed from every command's environment${extraCaCerts === undefined ? " (this machine does not set it)" : ""}: every Node process that sees it reads the certificate bundle at start${withCaCerts ? " (the row with it kept shows what that costs here)" : ""}, and turbo's strict environment mode keeps it from its tasks while Slipway passes the host's environment to steps, as GitHub's runner does.`,
    );
  }
} finally {
  await server?.close().catch((error) => console.error(`stopping slipway up: ${error.message}`));
  try {
    git(repo, "worktree", "prune");
  } catch {
    // nothing to prune
  }
  rmSync(tmp, { recursive: true, force: true });
}
