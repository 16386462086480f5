import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { execFileAsync } from "../fork-server.js";
import { addWorktree, moveWorktree, removeWorktree } from "./git.js";

const gitIn = (cwd: string, args: string[], lowPriority = false) =>
  execFileAsync("git", args, { cwd, lowPriority });

/** A worktree being made ready for a later checkout (see prepare). */
interface Prepared {
  sha: string;
  /** Where it is once ready; undefined when it could not be made ready. */
  path: Promise<string | undefined>;
  /** A new worktree is being written (no kept one was left): a checkout does not wait for that. */
  writing: boolean;
  settled: boolean;
}

const removeRecursively = (path: string) =>
  rm(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });

/** Worktrees of one repository kept between runs (each is a full checkout on disk). */
export const SHARED_LIMIT = 4;

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
 *
 * `prepare` (with `shared`): when the run starts, the worktrees of its later checkouts (jobs that
 * wait for others) are taken from the shared folder and checked out and cleaned in the background,
 * while the first jobs run, so the job that needs the first one's results finds its worktree ready
 * instead of cleaning the first job's while it waits. The first jobs' checkouts are left the
 * kept worktrees they would have taken; when too few are kept, new ones are written once those
 * checkouts have theirs, for the runs to come.
 */
export class WorktreePool {
  private readonly free: string[] = [];
  private readonly releasing = new Set<Promise<void>>();
  /** Untracked folders of reused worktrees being deleted in the background (see refresh). */
  private readonly removing = new Set<Promise<void>>();
  /** Worktrees being prepared, or ready, at a commit: checked out, cleaned and untouched since. */
  private readonly prepared: Prepared[] = [];
  /** Later checkouts with no kept worktree to prepare: new ones are written after a first claim. */
  private toWrite: { sha: string; count: number } | undefined;
  /** Claims still to come from the first jobs: they leave the prepared worktrees to the later ones. */
  private firstClaims = 0;
  private serial = 0;

  constructor(
    private readonly repoRoot: string,
    private readonly dir: string,
    private readonly shared?: string,
    /** Deletes a folder set aside; the checkout that set it aside does not wait for it. */
    private readonly removeFolder: (path: string) => Promise<void> = removeRecursively,
  ) {}

  /**
   * The run starts at `sha` with `first` checkouts in jobs that start at once and `later` in jobs
   * that wait: prepares the later ones' worktrees in the background (see above).
   */
  async prepare(sha: string, checkouts: { first: number; later: number }): Promise<void> {
    if (this.shared === undefined || checkouts.later <= 0) return;
    const names = await readdir(this.shared).catch(() => [] as string[]);
    // The first checkouts take kept worktrees from the front of the list; these come from its end.
    const spare = names.slice(checkouts.first).reverse().slice(0, checkouts.later);
    for (const name of spare) this.startPreparing(sha, (path) => this.takeKept(name, path));
    this.firstClaims = checkouts.first;
    const missing = checkouts.later - spare.length;
    if (missing > 0) this.toWrite = { sha, count: missing };
  }

  /**
   * Makes the empty folder `workspace` a clean worktree at `sha` from the pool; false when the
   * pool has none (or the one taken could not be reused), and `workspace` is an empty folder again.
   */
  async claim(workspace: string, sha: string): Promise<boolean> {
    const claimed = await this.claimAny(workspace, sha);
    // Written only now: a worktree being written holds the worktree queue that claims move in.
    const toWrite = this.toWrite;
    if (claimed && toWrite) {
      this.toWrite = undefined;
      for (let i = 0; i < toWrite.count; i++) this.startPreparing(toWrite.sha, undefined);
    }
    return claimed;
  }

  private async claimAny(workspace: string, sha: string): Promise<boolean> {
    const ready = await this.takePrepared(sha, this.firstClaims-- <= 0);
    if (ready !== undefined) {
      try {
        await moveWorktree(this.repoRoot, ready, workspace);
        return true;
      } catch {
        await this.discard(ready);
      }
    }
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
    return this.refreshOrEmpty(workspace, sha);
  }

  /**
   * A prepared worktree at `sha`, or undefined when there is none. With `wait`, one still being
   * cleaned is waited for (it is most of the way to what a claim would do); one being written never is.
   */
  private async takePrepared(sha: string, wait: boolean): Promise<string | undefined> {
    const index = this.prepared.findIndex(
      (entry) => entry.sha === sha && (entry.settled || (wait && !entry.writing)),
    );
    if (index === -1) return undefined;
    const [entry] = this.prepared.splice(index, 1);
    return entry?.path;
  }

  /**
   * Makes a worktree ready at `sha` in the background: the kept one `take` moves to the given path,
   * cleaned; a new one when there is no `take` (then the shared folder holds one more afterwards).
   */
  private startPreparing(sha: string, take: ((path: string) => Promise<boolean>) | undefined): void {
    const path = join(this.dir, `prepared-${++this.serial}`);
    const entry: Prepared = {
      sha,
      path: Promise.resolve(undefined),
      writing: take === undefined,
      settled: false,
    };
    entry.path = (async () => {
      await mkdir(this.dir, { recursive: true });
      if (take === undefined) {
        await addWorktree(this.repoRoot, path, sha);
        return path;
      }
      // Ahead of need: its git processes yield the cores to the checkouts jobs wait for now.
      return (await take(path)) && (await this.refresh(path, sha, { lowPriority: true })) ? path : undefined;
    })()
      .catch(() => undefined)
      .finally(() => (entry.settled = true));
    this.prepared.push(entry);
  }

  /** A worktree an earlier run left in the shared folder, moved to `workspace` and to `sha`. */
  private async claimShared(workspace: string, sha: string): Promise<boolean> {
    return (await this.takeShared(workspace)) && this.refreshOrEmpty(workspace, sha);
  }

  /** Moves a worktree an earlier run left in the shared folder to `to`; false when none is left. */
  private async takeShared(to: string): Promise<boolean> {
    if (this.shared === undefined) return false;
    for (const name of await readdir(this.shared).catch(() => [] as string[])) {
      if (await this.takeKept(name, to)) return true;
    }
    return false;
  }

  /** Moves the kept worktree `name` to `to`; false when another run took it first. */
  private async takeKept(name: string, to: string): Promise<boolean> {
    if (this.shared === undefined) return false;
    const entry = join(this.shared, name);
    try {
      await moveWorktree(this.repoRoot, entry, to);
      return true;
    } catch {
      // Another run took it first (it is gone), or it is no worktree of this repository any
      // more (its bookkeeping was pruned): that one is removed.
      await rm(entry, { recursive: true, force: true }).catch(() => undefined);
      return false;
    }
  }

  /**
   * A used worktree just moved to `workspace`, checked out at `sha` (its changed files restored
   * even at the same commit) and cleaned; removed when it cannot be. The top-level entries `sha`
   * does not track (the last job's node_modules, its build output) are moved out and deleted in
   * the background first, leaving `git clean` the few untracked files inside tracked folders:
   * deleting tens of thousands of files is what the clean spent its time on while the job waited
   * (pinojs/pino's later legs: 27–60 s each on a loaded machine, a fresh worktree: 0.2 s).
   */
  private async refresh(
    workspace: string,
    sha: string,
    { lowPriority = false }: { lowPriority?: boolean } = {},
  ): Promise<boolean> {
    try {
      // What `sha` tracks at the top level is asked while the checkout runs.
      const [, listed] = await Promise.all([
        gitIn(workspace, ["checkout", "--quiet", "--force", "--detach", sha], lowPriority),
        gitIn(workspace, ["ls-tree", "--name-only", "-z", sha], lowPriority),
      ]);
      await this.setAsideUntracked(workspace, new Set(listed.stdout.split("\0")));
      await gitIn(workspace, ["clean", "-ffdxq"], lowPriority);
      return true;
    } catch {
      await this.discard(workspace);
      return false;
    }
  }

  /** `refresh`, leaving `workspace` an empty folder when the worktree could not be reused. */
  private async refreshOrEmpty(workspace: string, sha: string): Promise<boolean> {
    if (await this.refresh(workspace, sha)) return true;
    await mkdir(workspace, { recursive: true });
    return false;
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
    // Prepared worktrees no job took are clean: kept like the others.
    this.toWrite = undefined;
    for (const entry of this.prepared.splice(0)) {
      const path = await entry.path;
      if (path !== undefined) this.free.push(path);
    }
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
