// Worktrees kept between runs (`slipway run --reuse-worktrees`): a job that waits for another finds
// a clean checkout of the run's commit, prepared while the first job ran, run after run.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, scratch } from "./helpers.js";

const { tempDir, repo, onCleanup } = scratch();

const WORKFLOW = `name: kept
on: push
jobs:
  first:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: |
          echo dirty >> README.md
          mkdir -p dist node_modules/x && echo built > dist/out.txt && echo m > node_modules/x/i.js
  later:
    needs: first
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: |
          test "$(git rev-parse HEAD)" = "$GITHUB_SHA"
          test -z "$(git status --porcelain --ignored)"
          echo "later readme=$(cat README.md)"
          echo dirty too >> README.md && echo x > stray.txt
`;

describe("kept worktrees", () => {
  it("give a job that waits for another a clean checkout of each run's commit", async () => {
    const target = repo({ ".github/workflows/kept.yml": WORKFLOW, "README.md": "v0\n" });
    // TMPDIR of its own: the kept worktrees are $TMPDIR/slipway-worktrees/<repository>/.
    const tmp = tempDir("slipway-kept-tmp-");
    onCleanup(() => void target.git("worktree", "prune"));
    const kept = () =>
      readdirSync(join(tmp, "slipway-worktrees")).flatMap((repoKey) =>
        readdirSync(join(tmp, "slipway-worktrees", repoKey)),
      );
    const counts: number[] = [];
    for (const version of ["v1", "v2", "v3"]) {
      target.commit({ "README.md": `${version}\n` }, version);
      const result = await runCli(["run", "--reuse-worktrees"], {
        cwd: target.dir,
        env: { TMPDIR: tmp },
        timeoutMs: 60_000,
      });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toContain(`later readme=${version}`);
      counts.push(kept().length);
    }
    // The first run keeps the worktree its two jobs shared and one more, written (once the later
    // job had its checkout) for the later job of the runs to come; from then on each run takes
    // and gives back both.
    expect(counts).toEqual([2, 2, 2]);
  });
});
