// Per-job HOME, github.token and the Node of JavaScript actions, through `slipway run`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, scratch } from "./helpers.js";

const { tempDir, repo } = scratch();

/** A host user's HOME with an ~/.npmrc, as the CLI's HOME. */
function hostHome(): string {
  const home = tempDir("slipway-host-home-");
  writeFileSync(join(home, ".npmrc"), "registry=http://registry.example.test/\n");
  return home;
}

const HOME_WORKFLOW = `name: homes
on: push
jobs:
  leg:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        n: [one, two]
    steps:
      - run: |
          echo "\${{ matrix.n }}" > ~/owner
          npm config set fund false --location=user
          sleep 1
          echo "leg \${{ matrix.n }} owner=$(cat ~/owner) home_is_host=$([ "$HOME" = "$HOST_HOME" ] && echo yes || echo no)"
          echo "leg \${{ matrix.n }} npmrc=$(grep -c registry.example.test ~/.npmrc) cache=$npm_config_cache"
          echo "leg \${{ matrix.n }} browsers=$PLAYWRIGHT_BROWSERS_PATH"
`;

describe("per-job HOME", () => {
  it("gives parallel jobs their own HOME, seeded from the host's ~/.npmrc, and leaves the host's untouched", async () => {
    const home = hostHome();
    const target = repo({ ".github/workflows/homes.yml": HOME_WORKFLOW });
    const result = await runCli(["run", "--max-parallel", "2"], {
      cwd: target.dir,
      // npm_config_userconfig as `npm run` sets it for its scripts: a job's `npm config set` must
      // still write its own copy, not the host user's file.
      env: {
        HOME: home,
        HOST_HOME: home,
        SLIPWAY_CACHE_DIR: tempDir("slipway-cache-"),
        npm_config_userconfig: join(home, ".npmrc"),
      },
      timeoutMs: 120_000,
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    for (const leg of ["one", "two"]) {
      expect(result.stdout).toContain(`leg ${leg} owner=${leg} home_is_host=no`);
      // The copy of ~/.npmrc is there; npm's cache is the host user's (shared, concurrency-safe),
      // unless the environment names one (npm run sets npm_config_cache for the tests).
      const cache = process.env.npm_config_cache ?? join(home, ".npm");
      expect(result.stdout).toContain(`leg ${leg} npmrc=1 cache=${cache}`);
      // Playwright's browsers too: `~/.cache/ms-playwright` in a cache path is the folder it uses.
      const browsers = process.env.PLAYWRIGHT_BROWSERS_PATH ?? join(home, ".cache/ms-playwright");
      expect(result.stdout).toContain(`leg ${leg} browsers=${browsers}`);
    }
    expect(existsSync(join(home, "owner"))).toBe(false);
    expect(readFileSync(join(home, ".npmrc"), "utf8")).toBe("registry=http://registry.example.test/\n");
  }, 150_000);

  it("keeps the host's HOME with SLIPWAY_JOB_HOME=shared", async () => {
    const home = hostHome();
    const target = repo({
      ".github/workflows/shared.yml": `name: shared
on: push
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - run: echo "home_is_host=$([ "$HOME" = "$HOST_HOME" ] && echo yes || echo no)" && touch ~/written-by-job
`,
    });
    const result = await runCli(["run"], {
      cwd: target.dir,
      env: {
        HOME: home,
        HOST_HOME: home,
        SLIPWAY_JOB_HOME: "shared",
        SLIPWAY_CACHE_DIR: tempDir("slipway-cache-"),
      },
      timeoutMs: 60_000,
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("home_is_host=yes");
    expect(existsSync(join(home, "written-by-job"))).toBe(true);
  }, 90_000);
});

const TOKEN_ACTION = {
  ".github/actions/token/action.yml": `runs:
  using: node20
  main: index.js
inputs:
  github-token:
    default: \${{ github.token }}
`,
  ".github/actions/token/index.js": `const t = process.env["INPUT_GITHUB-TOKEN"] ?? "";
console.log("action token length=" + t.length + " value=" + t);
`,
};

const TOKEN_WORKFLOW = `name: token
on: push
jobs:
  call:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "same=\${{ github.token == secrets.GITHUB_TOKEN }} length=\${{ github.token != '' }}"
      - uses: ./.github/actions/token
`;

describe("github.token", () => {
  it("is the GITHUB_TOKEN secret when one is given: actions defaulting to it receive it, masked", async () => {
    const target = repo({ ".github/workflows/token.yml": TOKEN_WORKFLOW, ...TOKEN_ACTION });
    const result = await runCli(["run", "--secret", "GITHUB_TOKEN=ghp_slipwaytest123"], {
      cwd: target.dir,
      env: { SLIPWAY_CACHE_DIR: tempDir("slipway-cache-") },
      timeoutMs: 60_000,
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("same=true length=true");
    expect(result.stdout).toContain("action token length=18 value=***");
    expect(result.stdout).not.toContain("ghp_slipwaytest123");
  }, 90_000);

  it("is empty without one, and an action input defaulting to it says how to give one", async () => {
    const target = repo({ ".github/workflows/token.yml": TOKEN_WORKFLOW, ...TOKEN_ACTION });
    const result = await runCli(["run"], {
      cwd: target.dir,
      env: { SLIPWAY_CACHE_DIR: tempDir("slipway-cache-") },
      timeoutMs: 60_000,
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("same=true length=false");
    expect(result.stdout).toContain("action token length=0");
    expect(result.stdout + result.stderr).toMatch(
      /input 'github-token' defaults to github\.token, which is empty.*GITHUB_TOKEN secret/,
    );
  }, 90_000);
});

/** A workflow whose one job checks out and runs `steps` (each a `- ` item's text). */
function jsWorkflow(...steps: string[]): string {
  return `name: js
on: push
jobs:
  js:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
${steps.map((step) => `      - ${step}\n`).join("")}`;
}

describe("the Node of JavaScript actions", () => {
  /** `slipway run` with an empty tool cache and a Node source that cannot download anything. */
  const runWithoutDownloads = (dir: string) => {
    const toolCache = tempDir("slipway-empty-toolcache-");
    mkdirSync(join(toolCache, "node"));
    return runCli(["run"], {
      cwd: dir,
      env: {
        SLIPWAY_CACHE_DIR: tempDir("slipway-cache-"),
        RUNNER_TOOL_CACHE: toolCache,
        SLIPWAY_NODE_SOURCE: "nodejs",
        // Nothing listens there: a download fails at once.
        SLIPWAY_NODE_MIRROR: "http://127.0.0.1:9/dist",
      },
      timeoutMs: 90_000,
    });
  };

  it("runs node16 actions on Node 20 and, when no Node 24 can be had, a node24 action on the host's node with a warning", async () => {
    const action = (using: string): Record<string, string> => ({
      [`.github/actions/${using}/action.yml`]: `runs:\n  using: ${using}\n  main: index.js\n`,
      [`.github/actions/${using}/index.js`]: `console.log("${using} action ran " + process.version);\n`,
    });
    const target = repo({
      ".github/workflows/js.yml": jsWorkflow(
        "uses: ./.github/actions/node16",
        "uses: ./.github/actions/node24",
      ),
      ...action("node16"),
      ...action("node24"),
    });
    const result = await runWithoutDownloads(target.dir);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`node16 action ran ${process.version}`);
    expect(result.stdout).toContain(`node24 action ran ${process.version}`);
    if (!process.version.startsWith("v24."))
      expect(result.stdout + result.stderr).toMatch(
        /runs on node24, but no Node 24 is in the tool cache .* none could be downloaded/,
      );
  }, 120_000);

  // GitHub's runners have node20 and node24 actions; a host on another major has no such action to run.
  const hostMajor = Number(process.versions.node.split(".")[0]);
  it.skipIf(hostMajor !== 20 && hostMajor !== 24)(
    "runs an action of Slipway's own Node major on that Node when the job put another node on PATH",
    async () => {
      // scule: setup-node 18, then codecov-action (node20) downloaded a Node 20 that Slipway itself
      // runs on; with no download source the action ran on the job's Node 18.
      const using = `node${hostMajor}`;
      const target = repo({
        ".github/workflows/js.yml": jsWorkflow(
          'run: echo "$GITHUB_WORKSPACE/old-node" >> "$GITHUB_PATH"',
          'run: echo "PATH has $(node --version)"',
          "uses: ./.github/actions/js",
        ),
        "old-node/node": '#!/bin/sh\necho "v18.99.0 (the job\'s node)"\n',
        ".github/actions/js/action.yml": `runs:\n  using: ${using}\n  main: index.js\n`,
        ".github/actions/js/index.js": 'console.log("action ran " + process.version);\n',
      });
      target.git("update-index", "--chmod=+x", "old-node/node");
      target.git("commit", "-qm", "executable");
      const result = await runWithoutDownloads(target.dir);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toContain("PATH has v18.99.0 (the job's node)");
      expect(result.stdout).toContain(`action ran ${process.version}`);
      expect(result.stdout + result.stderr).not.toMatch(/none could be downloaded|Downloading Node/);
    },
    120_000,
  );

  it("downloads the Node a node24 action declares into the tool cache when the host has another", async () => {
    // The tool cache node-matrix.test.ts shares: the ~30 MB download happens once per machine.
    const toolCache = join(tmpdir(), "slipway-test-toolcache");
    const target = repo({
      ".github/workflows/js.yml": jsWorkflow("uses: ./.github/actions/node24"),
      ".github/actions/node24/action.yml": "runs:\n  using: node24\n  main: index.js\n",
      ".github/actions/node24/index.js": 'console.log("node24 action ran " + process.version);\n',
    });
    const result = await runCli(["run"], {
      cwd: target.dir,
      env: {
        SLIPWAY_CACHE_DIR: tempDir("slipway-cache-"),
        RUNNER_TOOL_CACHE: toolCache,
        SLIPWAY_NODE_SOURCE: "npm",
      },
      timeoutMs: 600_000,
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/node24 action ran v24\./);
  }, 660_000);
});
