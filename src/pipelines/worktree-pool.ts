import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { execFileAsync } from "../fork-server.js";
import { moveWorktree, removeWorktree } from "./git.js";

const gitIn = (cwd: string, args: string[]) => execFileAsync("git", args, { cwd });

/**
 * The worktrees of a run's finished jobs, kept for the run's next checkouts: writing a
 * repository's files again for every job is most of a checkout's cost, and a worktree checked out
 * at the commit and cleaned (`git checkout --force`, `git clean -ffdx`, what actions/checkout does
 * on a self-hosted runner's kept workspace) holds exactly the files a fresh one would. A worktree
 * is cleaned when it is taken, not when it is given back: the last job's would be cleaned for
 * nothing, and the run would wait for it. Kept below the run's directory while it runs; a
 * worktree that cannot be reused is removed.
 *
 * With `shared` (a host-wide folder of the repository's worktrees, on the run directory's file
 * system), the run's worktrees are moved there when it ends, up to SHARED_LIMIT, and a later run's
 * first checkouts take them (as a self-hosted runner keeps its workspace between runs: a checkout
 * then writes only the files that differ). Runs claim one by renaming it: of two runs reaching
 * for the same, one rename succeeds and the other tries the next.
 */
/** Worktrees of one repository kept between runs (each is a full checkout on disk). */
export const SHARED_LIMIT = 4;

export class WorktreePool {
  private readonly free: string[] = [];
  private readonly releasing = new Set<Promise<void>>();
  /** Untracked folders of reused worktrees being deleted in the background (see moveTo). */
  private readonly removing = new Set<Promise<void>>();
  private serial = 0;

  constructor(
    private readonly repoRoot: string,
    private readonly dir: string,
    private readonly shared?: string,
    /** Deletes a folder set aside; the checkout that set it aside does not wait for it. */
    private readonly removeFolder: (path: string) => Promise<void> = (path) =>
      rm(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }),
  ) {}

  /**
   * Makes the empty folder `workspace` a clean worktree at `sha` from the pool; false when the
   * pool has none (or the one taken could not be reused), and `workspace` is an empty folder again.
   */
  async claim(workspace: string, sha: string): Promise<boolean> {
    // A worktree on its way back (a job that just finished: the one this job needs, often) is
    // ready sooner than a new one would be written.
    while (this.free.length === 0 && this.releasing.size > 0) await Promise.race(this.releasing);
    const pooled = this.free.pop();
    if (pooled === undefined) return this.claimShared(workspace, sha);
    try {
      await moveWorktree(this.repoRoot, pooled, workspace);
    } catch {
      await this.discard(pooled);
      return false;
    }
    return this.moveTo(workspace, sha);
  }

  /** A worktree an earlier run left in the shared folder, moved to `workspace` and to `sha`. */
  private async claimShared(workspace: string, sha: string): Promise<boolean> {
    if (this.shared === undefined) return false;
    const names = await readdir(this.shared).catch(() => [] as string[]);
    for (const name of names) {
      const entry = join(this.shared, name);
      try {
        await moveWorktree(this.repoRoot, entry, workspace);
      } catch {
        // Another run took it first (it is gone), or it is no worktree of this repository any
        // more (its bookkeeping was pruned): that one is removed.
        await rm(entry, { recursive: true, force: true }).catch(() => undefined);
        continue;
      }
      return this.moveTo(workspace, sha);
    }
    return false;
  }

  /**
   * A used worktree just moved to `workspace`, checked out at `sha` (its changed files restored
   * even at the same commit) and cleaned; removed when it cannot be. The top-level entries `sha`
   * does not track (the last job's node_modules, its build output) are moved out and deleted in
   * the background first, leaving `git clean` the few untracked files inside tracked folders:
   * deleting tens of thousands of files is what the clean spent its time on while the job waited
   * (pinojs/pino's later legs: 27–60 s each on a loaded machine, a fresh worktree: 0.2 s).
   */
  private async moveTo(workspace: string, sha: string): Promise<boolean> {
    try {
      // What `sha` tracks at the top level is asked while the checkout runs.
      const [, listed] = await Promise.all([
        gitIn(workspace, ["checkout", "--quiet", "--force", "--detach", sha]),
        gitIn(workspace, ["ls-tree", "--name-only", "-z", sha]),
      ]);
      await this.setAsideUntracked(workspace, new Set(listed.stdout.split("\0")));
      await gitIn(workspace, ["clean", "-ffdxq"]);
      return true;
    } catch {
      await this.discard(workspace);
      await mkdir(workspace, { recursive: true });
      return false;
    }
  }

  /** Moves `workspace`'s untracked top-level entries into the pool's folder and deletes them there. */
  private async setAsideUntracked(workspace: string, tracked: ReadonlySet<string>): Promise<void> {
    const untracked = (await readdir(workspace)).filter((name) => name !== ".git" && !tracked.has(name));
    if (untracked.length === 0) return;
    const aside = join(this.dir, `untracked-${++this.serial}`);
    try {
      await mkdir(aside, { recursive: true });
      for (const name of untracked) await rename(join(workspace, name), join(aside, name));
    } catch {
      // What could not be moved, `git clean` removes.
    }
    const removing = this.removeFolder(aside).catch(() => undefined);
    this.removing.add(removing);
    void removing.finally(() => this.removing.delete(removing));
  }

  /** Takes a finished job's worktree into the pool as it is; removes it when it cannot. */
  async release(workspace: string): Promise<void> {
    const releasing = this.keep(workspace);
    this.releasing.add(releasing);
    try {
      await releasing;
    } finally {
      this.releasing.delete(releasing);
    }
  }

  private async keep(workspace: string): Promise<void> {
    const kept = join(this.dir, `worktree-${++this.serial}`);
    try {
      await mkdir(this.dir, { recursive: true });
      await moveWorktree(this.repoRoot, workspace, kept);
      this.free.push(kept);
    } catch {
      await this.discard(workspace);
    }
  }

  /** Removes a worktree and its folder, whatever state its bookkeeping is in. */
  private async discard(path: string): Promise<void> {
    await removeWorktree(this.repoRoot, path);
    await rm(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }

  /**
   * The run is over: its kept worktrees go to the shared folder while it holds fewer than
   * SHARED_LIMIT (the run that takes one cleans it); the others are removed.
   */
  async close(): Promise<void> {
    await Promise.all(this.removing);
    let room = 0;
    if (this.shared !== undefined) {
      await mkdir(this.shared, { recursive: true }).catch(() => undefined);
      room = SHARED_LIMIT - (await readdir(this.shared).catch(() => [])).length;
    }
    for (const kept of this.free.splice(0)) {
      if (room > 0 && this.shared !== undefined) {
        try {
          const entry = join(this.shared, `${process.pid}-${Date.now()}-${basename(kept)}`);
          await moveWorktree(this.repoRoot, kept, entry, { bookkeepingFirst: true });
          room--;
          continue;
        } catch {
          // removed below
        }
      }
      await this.discard(kept);
    }
  }
}
