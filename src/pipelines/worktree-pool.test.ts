import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { basename, dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { commit, git, tempDirs, writeFiles } from "./actions/builtin/test-context.js";
import { addWorktree, moveWorktree } from "./git.js";
import { SHARED_LIMIT, WorktreePool } from "./worktree-pool.js";

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

function setup() {
  const repoRoot = dirs.make("slipway-pool-repo-");
  git(repoRoot, "init", "-q", "-b", "main");
  writeFiles(repoRoot, { ".gitignore": "ignored/\n" });
  const first = commit(repoRoot, { "app.js": "v1", "lib/util.js": "u1" }, "one");
  const second = commit(repoRoot, { "app.js": "v2", "lib/extra.js": "e2" }, "two");
  const scratch = dirs.make("slipway-pool-run-");
  const pool = new WorktreePool(repoRoot, join(scratch, "worktrees"));
  const workspace = (name: string) => {
    const path = join(scratch, name);
    mkdirSync(path);
    return path;
  };
  const worktrees = () => git(repoRoot, "worktree", "list", "--porcelain").match(/^worktree /gm)?.length ?? 0;
  /** The host-wide folder of kept worktrees, and a run's own folder of them. */
  const shared = dirs.make("slipway-pool-shared-");
  const runDir = (name: string) => join(dirs.make(`slipway-pool-${name}-`), "worktrees");
  return { repoRoot, first, second, pool, workspace, worktrees, shared, runDir };
}

/** Resolves once every kept worktree has left the shared folder (taken by a run); throws `why` after 10 s. */
async function untilTaken(shared: string, why: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; readdirSync(shared).length > 0;) {
    if (Date.now() > deadline) throw new Error(why);
    await new Promise((ok) => setTimeout(ok, 10));
  }
}

/** An earlier run of the repository that kept `count` worktrees in `shared`, at `sha`, with `files` written. */
async function keptByEarlierRun(
  world: ReturnType<typeof setup>,
  shared: string,
  sha: string,
  count: number,
  files: Record<string, string> = {},
): Promise<void> {
  const earlier = new WorktreePool(
    world.repoRoot,
    join(dirs.make("slipway-pool-earlier-"), "worktrees"),
    shared,
  );
  for (let i = 0; i < count; i++) {
    const w = world.workspace(`earlier-${i}`);
    await addWorktree(world.repoRoot, w, sha);
    writeFiles(w, files);
    await earlier.release(w);
  }
  await earlier.close();
}

describe("WorktreePool", { timeout: 60_000 }, () => {
  it("hands a finished job's worktree to the next checkout, reset to the commit and without stray files", async () => {
    const { repoRoot, first, second, pool, workspace, worktrees } = setup();
    const one = workspace("workspace-one");
    expect(await pool.claim(one, second)).toBe(false);
    await addWorktree(repoRoot, one, second);
    // The job changes a tracked file, deletes one, adds untracked and ignored files and a nested clone.
    writeFiles(one, { "app.js": "changed", "new.txt": "x", "ignored/big.bin": "y" });
    rmSync(join(one, "lib", "extra.js"));
    git(repoRoot, "clone", "-q", "--shared", repoRoot, join(one, "nested"));
    await pool.release(one);
    expect(existsSync(one)).toBe(false);

    const two = workspace("workspace-two");
    expect(await pool.claim(two, first)).toBe(true);
    expect(git(two, "rev-parse", "HEAD")).toBe(first);
    expect(readFileSync(join(two, "app.js"), "utf8")).toBe("v1");
    expect(readdirSync(two).sort()).toEqual([".git", ".gitignore", "app.js", "lib"]);
    expect(readdirSync(join(two, "lib"))).toEqual(["util.js"]);
    expect(git(two, "status", "--porcelain", "--ignored")).toBe("");
    // git's bookkeeping follows the move: the worktree is listed at its new place.
    expect(git(repoRoot, "worktree", "list")).toContain(two);
    expect(worktrees()).toBe(2);

    await pool.release(two);
    const three = workspace("workspace-three");
    expect(await pool.claim(three, second)).toBe(true);
    expect(readdirSync(join(three, "lib")).sort()).toEqual(["extra.js", "util.js"]);
    writeFiles(three, { "app.js": "changed again", "stray.txt": "x" });
    await pool.release(three);
    // Taken at the commit it already has: its changed and stray files are gone all the same.
    const four = workspace("workspace-four");
    expect(await pool.claim(four, second)).toBe(true);
    expect(readFileSync(join(four, "app.js"), "utf8")).toBe("v2");
    expect(git(four, "status", "--porcelain", "--ignored")).toBe("");
    // A checkout that starts while the worktree is on its way back waits for it.
    const released = pool.release(four);
    const five = workspace("workspace-five");
    expect(await pool.claim(five, second)).toBe(true);
    await released;
    expect(readFileSync(join(five, "app.js"), "utf8")).toBe("v2");
    await pool.release(five);
    await pool.close();
    expect(worktrees()).toBe(1);
  });

  it("sets a reused worktree's untracked top-level folders aside: the checkout does not wait for their deletion, the run's end does", async () => {
    const { repoRoot, second, workspace } = setup();
    // A deletion that takes as long as the test says (as 30,000 files of a node_modules would).
    const deleting: { path: string; entries: string[]; finish: () => void }[] = [];
    const removeFolder = (path: string) =>
      new Promise<void>((resolve) => {
        deleting.push({
          path,
          entries: readdirSync(path).sort(),
          finish: () => resolve(rmSync(path, { recursive: true })),
        });
      });
    const runDir = dirs.make("slipway-pool-run-");
    const pool = new WorktreePool(repoRoot, join(runDir, "worktrees"), undefined, removeFolder);
    const one = workspace("workspace-one");
    await addWorktree(repoRoot, one, second);
    // The last job's install and build: untracked at the top level, and inside a tracked folder.
    writeFiles(one, { "node_modules/p/index.js": "x", "dist/app.js": "built", "lib/generated.js": "g" });
    await pool.release(one);

    const two = workspace("workspace-two");
    expect(await pool.claim(two, second)).toBe(true);
    expect(readdirSync(two).sort()).toEqual([".git", ".gitignore", "app.js", "lib"]);
    expect(readdirSync(join(two, "lib")).sort()).toEqual(["extra.js", "util.js"]);
    expect(git(two, "status", "--porcelain", "--ignored")).toBe("");
    // Claimed while the deletion of what was set aside still runs.
    expect(deleting.map((d) => d.entries)).toEqual([["dist", "node_modules"]]);
    await pool.release(two);
    let closed = false;
    const closing = pool.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    deleting[0]!.finish();
    await closing;
    expect(existsSync(deleting[0]!.path)).toBe(false);
  });

  it("removes a kept worktree that cannot be reused, and the workspace stays an empty folder", async () => {
    const { repoRoot, second, pool, workspace, worktrees } = setup();
    const one = workspace("workspace-one");
    await addWorktree(repoRoot, one, second);
    await pool.release(one);
    // Its bookkeeping goes (a prune after its folder was lost, say): it cannot be reused.
    const kept = readdirSync(join(one, "..", "worktrees"))[0] as string;
    rmSync(join(repoRoot, ".git", "worktrees", "workspace-one"), { recursive: true, force: true });
    const two = workspace("workspace-two");
    expect(await pool.claim(two, second)).toBe(false);
    expect(readdirSync(two)).toEqual([]);
    expect(existsSync(join(one, "..", "worktrees", kept))).toBe(false);
    expect(worktrees()).toBe(1);

    // A workspace where a step ran `git init` (not a worktree) is not kept.
    const three = workspace("workspace-three");
    git(three, "init", "-q");
    await pool.release(three);
    expect(await pool.claim(workspace("workspace-four"), second)).toBe(false);
  });

  it("keeps a run's worktrees for the next run of the repository, each taken by one run only", async () => {
    const { repoRoot, first, second, workspace, worktrees, shared, runDir } = setup();
    const one = new WorktreePool(repoRoot, runDir("one"), shared);
    const a = workspace("run-one-a");
    const b = workspace("run-one-b");
    await addWorktree(repoRoot, a, second);
    await addWorktree(repoRoot, b, second);
    writeFiles(a, { "app.js": "changed", "ignored/out.bin": "x" });
    await one.release(a);
    await one.release(b);
    await one.close();
    expect(readdirSync(shared)).toHaveLength(2);
    expect(worktrees()).toBe(3);
    // Cleaned once the run is over: the changed file restored, the ignored one gone.
    await one.idle();
    for (const name of readdirSync(shared)) {
      expect(name).toMatch(/^clean-/);
      expect(git(join(shared, name), "status", "--porcelain", "--ignored")).toBe("");
    }

    // The next run: its first checkouts take them, moved to the commit it runs and clean.
    const two = new WorktreePool(repoRoot, runDir("two"), shared);
    const c = workspace("run-two-c");
    const d = workspace("run-two-d");
    const e = workspace("run-two-e");
    const claims = await Promise.all([two.claim(c, first), two.claim(d, second), two.claim(e, second)]);
    expect([...claims].sort()).toEqual([false, true, true]);
    expect(readdirSync(shared)).toEqual([]);
    // Which two claims win is a race (each takes the first kept worktree still there); the third
    // gets none and writes its own.
    const claimed = [c, d, e].filter((w, i) => claims[i] && existsSync(join(w, ".git")));
    expect(claimed).toHaveLength(2);
    const version = new Map([
      [c, "v1"],
      [d, "v2"],
      [e, "v2"],
    ]);
    for (const w of claimed) {
      expect(readFileSync(join(w, "app.js"), "utf8")).toBe(version.get(w));
      expect(git(w, "status", "--porcelain", "--ignored")).toBe("");
      expect(git(repoRoot, "worktree", "list")).toContain(w);
    }
    const [loser] = [c, d, e].filter((_, i) => !claims[i]);
    expect(existsSync(join(loser as string, ".git"))).toBe(false);

    // No more than SHARED_LIMIT are kept; the others are removed when the run ends.
    for (const w of claimed) await two.release(w);
    const extra = [0, 1, 2, 3].map((i) => workspace(`run-two-extra-${i}`));
    for (const w of extra) {
      await addWorktree(repoRoot, w, second);
      await two.release(w);
    }
    await two.close();
    await two.idle();
    expect(readdirSync(shared)).toHaveLength(SHARED_LIMIT);
    expect(worktrees()).toBe(1 + SHARED_LIMIT);

    // A kept worktree whose bookkeeping was pruned is dropped, and the next one is taken.
    const [stale] = readdirSync(shared);
    const admin = /^gitdir: (.+)$/m.exec(readFileSync(join(shared, stale as string, ".git"), "utf8"))?.[1];
    rmSync(admin as string, { recursive: true, force: true });
    const three = new WorktreePool(repoRoot, runDir("three"), shared);
    const f = workspace("run-three-f");
    expect(await three.claim(f, second)).toBe(true);
    expect(git(f, "rev-parse", "HEAD")).toBe(second);
    expect(readdirSync(shared)).toHaveLength(SHARED_LIMIT - 2);
  });

  it("prepares a later job's worktree from the shared folder while the first job runs", async () => {
    const world = setup();
    const { repoRoot, first, second, workspace, shared, runDir } = world;
    // An earlier run left two worktrees, at the other commit, with a job's leftovers.
    await keptByEarlierRun(world, shared, first, 2, {
      "app.js": "changed",
      "node_modules/p/index.js": "x",
      "ignored/out.bin": "y",
    });
    expect(readdirSync(shared)).toHaveLength(2);

    const pool = new WorktreePool(repoRoot, runDir("run"), shared);
    await pool.prepare(second, { first: 1, later: 1 });
    const one = workspace("job-one");
    expect(await pool.claim(one, second)).toBe(true);
    // The first checkout took one; the other is taken and made ready for a later job meanwhile
    // (without a later claim asking for it).
    await untilTaken(shared, "the second kept worktree was not taken ahead");
    writeFiles(one, { "dist/out.js": "built by job one" });
    // The later job takes the prepared worktree, not the first job's: clean, at the commit.
    const later = workspace("job-two");
    expect(await pool.claim(later, second)).toBe(true);
    expect(readFileSync(join(later, "app.js"), "utf8")).toBe("v2");
    expect(git(later, "status", "--porcelain", "--ignored")).toBe("");
    expect(readFileSync(join(one, "dist", "out.js"), "utf8")).toBe("built by job one");
    // One prepared worktree only: a third checkout gets none (the first job still holds its own).
    expect(await pool.claim(workspace("job-three"), second)).toBe(false);
    await pool.release(one);
    await pool.release(later);
    await pool.close();
    expect(readdirSync(shared)).toHaveLength(2);
  });

  it("checks out the first job's worktree as the run starts, before its checkout asks", async () => {
    const world = setup();
    const { repoRoot, first, second, workspace, shared, runDir } = world;
    await keptByEarlierRun(world, shared, first, 1);
    const pool = new WorktreePool(repoRoot, runDir("run"), shared);
    await pool.prepare(second, { first: 1, later: 0 });
    // Taken from the shared folder and checked out at the run's commit with no claim yet.
    await untilTaken(shared, "the kept worktree was not taken at the run's start");
    const one = workspace("job-one");
    expect(await pool.claim(one, second)).toBe(true);
    expect(readFileSync(join(one, "app.js"), "utf8")).toBe("v2");
    expect(git(one, "status", "--porcelain", "--ignored")).toBe("");
    await pool.release(one);
    await pool.close();
    await pool.idle();
    expect(readdirSync(shared)).toHaveLength(1);
  });

  it("keeps a prepared worktree no job took for the next run", async () => {
    const world = setup();
    const { repoRoot, second, workspace, shared, runDir } = world;
    await keptByEarlierRun(world, shared, second, 2);

    const pool = new WorktreePool(repoRoot, runDir("run"), shared);
    await pool.prepare(second, { first: 1, later: 1 });
    const only = workspace("only-job");
    expect(await pool.claim(only, second)).toBe(true);
    await pool.release(only);
    await pool.close();
    await pool.idle();
    const kept = readdirSync(shared);
    expect(kept).toHaveLength(2);
    for (const name of kept) expect(git(join(shared, name), "rev-parse", "HEAD")).toBe(second);
  });

  it("writes a worktree for the later jobs of the next runs when the shared folder has no second one", async () => {
    const world = setup();
    const { repoRoot, second, workspace, shared, runDir } = world;
    await keptByEarlierRun(world, shared, second, 1);

    const pool = new WorktreePool(repoRoot, runDir("run"), shared);
    await pool.prepare(second, { first: 1, later: 1 });
    const one = workspace("job-one");
    expect(await pool.claim(one, second)).toBe(true);
    await pool.release(one);
    // The later job takes the new worktree if it is written by now, else the first job's (a
    // checkout does not wait for a worktree being written).
    const later = workspace("job-two");
    expect(await pool.claim(later, second)).toBe(true);
    await pool.release(later);
    await pool.close();
    await pool.idle();
    const kept = readdirSync(shared);
    expect(kept).toHaveLength(2);
    for (const name of kept) expect(git(join(shared, name), "status", "--porcelain", "--ignored")).toBe("");
  });

  it("takes a kept worktree whose cleaning stopped with its process, and clears what that process set aside", async () => {
    const { repoRoot, second, workspace, shared, runDir } = setup();
    const gone = spawnSync("true").pid; // a pid no process has any more
    const w = workspace("killed-mid-cleaning");
    await addWorktree(repoRoot, w, second);
    writeFiles(w, { "app.js": "changed", "stray.txt": "x" });
    const abandoned = join(shared, `.cleaning-${gone}-1-worktree-1`);
    await moveWorktree(repoRoot, w, abandoned);
    const trash = join(dirname(shared), `.trash-${basename(shared)}-${gone}-1`);
    writeFiles(trash, { "node_modules/p/index.js": "x" });

    const pool = new WorktreePool(repoRoot, runDir("run"), shared);
    const taken = workspace("taker");
    expect(await pool.claim(taken, second)).toBe(true);
    expect(readFileSync(join(taken, "app.js"), "utf8")).toBe("v2");
    expect(git(taken, "status", "--porcelain", "--ignored")).toBe("");
    await pool.release(taken);
    await pool.close();
    await pool.idle();
    expect(existsSync(trash)).toBe(false);
  });
});
