import { mkdirSync, readdirSync } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { execFileAsync } from "../fork-server.js";
import { processExists } from "../proc.js";
import { addWorktree, moveWorktree, removeWorktree } from "./git.js";

const gitIn = (cwd: string, args: string[], lowPriority = false) =>
  execFileAsync("git", args, { cwd, lowPriority });

/** What taking a kept worktree gave: none (another run took it), one cleaned after its run, or not. */
type Taken = "none" | "clean" | "dirty";

/** A worktree being made ready for a later checkout (see prepare). */
interface Prepared {
  sha: string;
  /** Where it is once ready; undefined when it could not be made ready. */
  path: Promise<string | undefined>;
  /** A new worktree is being written (no kept one was left): a checkout does not wait for that. */
  writing: boolean;
  settled: boolean;
}

/** The names in a folder, none when it does not exist (synchronous: what a job's checkout waits on). */
function listed(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

const removeRecursively = (path: string) =>
  rm(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });

/** Worktrees of one repository kept between runs (each is a full checkout on disk). */
export const SHARED_LIMIT = 4;

/** A kept worktree cleaned after its run: a claim only checks out the commit it wants. */
const CLEAN = "clean-";
/** A kept worktree being cleaned after its run, by the process whose pid follows; claims leave it. */
const CLEANING = ".cleaning-";

/** Kept worktrees this process is cleaning (after their runs), by path: claims may wait for them. */
const cleanings = new Map<string, Promise<void>>();

/** The pid in a kept worktree's name (`[clean-|.cleaning-]<pid>-<time>-<name>`). */
const pidIn = (name: string): number => Number(/(?:^|-)(\d+)-\d+-/.exec(name)?.[1] ?? 0);

/**
 * The order claims take kept worktrees in: clean ones, then the others, then those whose cleaning
 * stopped with its process (taken as they are, and cleaned by the claim).
 */
function claimOrder(names: string[]): string[] {
  const abandoned = names.filter((name) => name.startsWith(CLEANING) && !processExists(pidIn(name)));
  return [
    ...names.filter((name) => name.startsWith(CLEAN)),
    ...names.filter((name) => !name.startsWith(".") && !name.startsWith(CLEAN)),
    ...abandoned,
  ];
}

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
 * `prepare` (with `shared`): when the run starts, the worktrees of its checkouts are taken from the
 * shared folder and checked out: the first jobs' at once, while those jobs start (the cleaned ones
 * left after a run: a `git checkout` each); the later checkouts' (jobs that wait for others) in
 * the background at a low priority, cleaned too, while the first jobs run, so the job that needs
 * the first one's results finds its worktree ready instead of cleaning the first job's while it
 * waits. When too few are kept for the later checkouts, new ones are written once a first checkout
 * has its own, for the runs to come.
 *
 * A worktree kept in the shared folder is cleaned after its run has ended (named `.cleaning-…`
 * meanwhile, then `clean-…`), at a low priority, so the next run's checkout of it is a
 * `git checkout` of its commit and nothing else. One whose cleaning was cut short (its process
 * ended) is taken last and cleaned by the checkout that takes it.
 */
export class WorktreePool {
  private readonly free: string[] = [];
  private readonly releasing = new Set<Promise<void>>();
  /** Untracked folders of reused worktrees being deleted in the background (see refresh). */
  private readonly removing = new Set<Promise<void>>();
  /** Kept worktrees being cleaned after the run (see close). */
  private readonly cleaning = new Set<Promise<void>>();
  /** Worktrees of `free` known to be clean (prepared ones no job took). */
  private readonly clean = new Set<string>();
  /** Worktrees being prepared, or ready, at a commit: checked out, cleaned and untouched since. */
  private readonly prepared: Prepared[] = [];
  /** Later checkouts with no kept worktree to prepare: new ones are written after a first claim. */
  private toWrite: { sha: string; count: number } | undefined;
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
   * that wait: prepares their worktrees (see above).
   */
  async prepare(sha: string, checkouts: { first: number; later: number }): Promise<void> {
    const shared = this.shared;
    if (shared === undefined || checkouts.first + checkouts.later <= 0) return;
    // A run of this process that just ended is still cleaning what it kept: a moment more.
    await Promise.all([...cleanings].filter(([path]) => dirname(path) === shared).map(([, done]) => done));
    const names = claimOrder(listed(shared));
    // The first checkouts get the front of the list (clean ones first): their jobs are starting.
    // The later ones come from its end, and have time to be cleaned.
    for (const name of names.slice(0, checkouts.first))
      this.startPreparing(sha, (path) => this.takeKept(name, path), { lowPriority: false });
    const spare = names.slice(checkouts.first).reverse().slice(0, checkouts.later);
    for (const name of spare)
      this.startPreparing(sha, (path) => this.takeKept(name, path), { lowPriority: true });
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
    const ready = await this.takePrepared(sha);
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
   * A prepared worktree at `sha` (the first jobs' before the later ones'), or undefined when there
   * is none. One still being checked out or cleaned is waited for (it is most of the way to what a
   * claim would do); one being written never is.
   */
  private async takePrepared(sha: string): Promise<string | undefined> {
    const index = this.prepared.findIndex((entry) => entry.sha === sha && (entry.settled || !entry.writing));
    if (index === -1) return undefined;
    const [entry] = this.prepared.splice(index, 1);
    return entry?.path;
  }

  /**
   * Makes a worktree ready at `sha` in the background: the kept one `take` moves to the given path,
   * cleaned; a new one when there is no `take` (then the shared folder holds one more afterwards).
   * `lowPriority`: ahead of need, its git processes yield the cores to the checkouts jobs wait for.
   */
  private startPreparing(
    sha: string,
    take: ((path: string) => Promise<Taken>) | undefined,
    { lowPriority = true }: { lowPriority?: boolean } = {},
  ): void {
    const path = join(this.dir, `prepared-${++this.serial}`);
    const entry: Prepared = {
      sha,
      path: Promise.resolve(undefined),
      writing: take === undefined,
      settled: false,
    };
    entry.path = (async () => {
      mkdirSync(this.dir, { recursive: true });
      if (take === undefined) {
        await addWorktree(this.repoRoot, path, sha);
        return path;
      }
      return (await this.moveOn(path, sha, await take(path), { lowPriority })) ? path : undefined;
    })()
      .catch(() => undefined)
      .finally(() => (entry.settled = true));
    this.prepared.push(entry);
  }

  /** A worktree an earlier run left in the shared folder, moved to `workspace` and to `sha`. */
  private async claimShared(workspace: string, sha: string): Promise<boolean> {
    const taken = await this.takeShared(workspace);
    if (taken === "none") return false;
    if (await this.moveOn(workspace, sha, taken)) return true;
    await mkdir(workspace, { recursive: true });
    return false;
  }

  /** A kept worktree just taken, at `sha` and clean: only checked out when it was cleaned already. */
  private async moveOn(
    workspace: string,
    sha: string,
    taken: Taken,
    options: { lowPriority?: boolean } = {},
  ): Promise<boolean> {
    if (taken === "none") return false;
    if (taken === "dirty") return this.refresh(workspace, sha, options);
    try {
      await gitIn(workspace, ["checkout", "--quiet", "--force", "--detach", sha], options.lowPriority);
      return true;
    } catch {
      await this.discard(workspace);
      return false;
    }
  }

  /**
   * Moves a worktree an earlier run left in the shared folder to `to`. When there is none but one
   * this process is cleaning (a run that just ended), that one is waited for: it is ready sooner
   * than a new one would be written.
   */
  private async takeShared(to: string): Promise<Taken> {
    const shared = this.shared;
    if (shared === undefined) return "none";
    for (;;) {
      // Looked at before the folder: one that ends meanwhile is then in the folder, or waited for.
      const ours = [...cleanings].filter(([path]) => dirname(path) === shared).map(([, done]) => done);
      for (const name of claimOrder(listed(shared))) {
        const taken = await this.takeKept(name, to);
        if (taken !== "none") return taken;
      }
      if (ours.length === 0) return "none";
      await Promise.race(ours);
    }
  }

  /** Moves the kept worktree `name` to `to`; "none" when another run took it first. */
  private async takeKept(name: string, to: string): Promise<Taken> {
    if (this.shared === undefined) return "none";
    const entry = join(this.shared, name);
    try {
      await moveWorktree(this.repoRoot, entry, to);
      return name.startsWith(CLEAN) ? "clean" : "dirty";
    } catch {
      // Another run took it first (it is gone), or it is no worktree of this repository any
      // more (its bookkeeping was pruned): that one is removed.
      await rm(entry, { recursive: true, force: true }).catch(() => undefined);
      return "none";
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
    {
      lowPriority = false,
      aside = () => join(this.dir, `untracked-${++this.serial}`),
    }: { lowPriority?: boolean; aside?: () => string } = {},
  ): Promise<boolean> {
    try {
      // What `sha` tracks at the top level is asked while the checkout runs.
      const [, listed] = await Promise.all([
        gitIn(workspace, ["checkout", "--quiet", "--force", "--detach", sha], lowPriority),
        gitIn(workspace, ["ls-tree", "--name-only", "-z", sha], lowPriority),
      ]);
      await this.setAsideUntracked(workspace, new Set(listed.stdout.split("\0")), aside());
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

  /** Moves `workspace`'s untracked top-level entries into the folder `aside` and deletes them there. */
  private async setAsideUntracked(
    workspace: string,
    tracked: ReadonlySet<string>,
    aside: string,
  ): Promise<void> {
    const untracked = (await readdir(workspace)).filter((name) => name !== ".git" && !tracked.has(name));
    if (untracked.length === 0) return;
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
   * SHARED_LIMIT, and are cleaned there after this returns (see `idle`); the others are removed.
   */
  async close(): Promise<void> {
    // Prepared worktrees no job took are clean: kept like the others.
    this.toWrite = undefined;
    for (const entry of this.prepared.splice(0)) {
      const path = await entry.path;
      if (path === undefined) continue;
      this.free.push(path);
      this.clean.add(path);
    }
    await Promise.all(this.removing);
    let room = 0;
    if (this.shared !== undefined) {
      await mkdir(this.shared, { recursive: true }).catch(() => undefined);
      room = SHARED_LIMIT - (await readdir(this.shared).catch(() => [])).length;
      this.sweepTrash(this.shared);
    }
    const toClean: { entry: string; cleanPath: string }[] = [];
    for (const kept of this.free.splice(0)) {
      if (room > 0 && this.shared !== undefined) {
        const id = `${process.pid}-${Date.now()}-${basename(kept)}`;
        const clean = this.clean.has(kept);
        try {
          const entry = join(this.shared, `${clean ? CLEAN : CLEANING}${id}`);
          await moveWorktree(this.repoRoot, kept, entry, { bookkeepingFirst: true });
          room--;
          if (!clean) toClean.push({ entry, cleanPath: join(this.shared, `${CLEAN}${id}`) });
          continue;
        } catch {
          // removed below
        }
      }
      await this.discard(kept);
    }
    // Once every one is in place: the cleanings' git processes would slow the moves the run waits for.
    for (const { entry, cleanPath } of toClean) this.cleanAfterRun(entry, cleanPath);
  }

  /**
   * Cleans a kept worktree once its run is over (nobody waits for it: at a low priority), then names
   * it clean; removed when it cannot be cleaned. What it sets aside goes beside the shared folder.
   */
  private cleanAfterRun(path: string, cleanPath: string): void {
    const shared = this.shared as string;
    const aside = () => join(dirname(shared), `${trashPrefix(shared)}${process.pid}-${++this.serial}`);
    const cleaning = (async () => {
      if (!(await this.refresh(path, "HEAD", { lowPriority: true, aside }))) return;
      await moveWorktree(this.repoRoot, path, cleanPath, { bookkeepingFirst: true });
    })()
      .catch(() => this.discard(path).catch(() => undefined))
      .finally(() => {
        cleanings.delete(path);
        this.cleaning.delete(cleaning);
      });
    cleanings.set(path, cleaning);
    this.cleaning.add(cleaning);
  }

  /** Deletes what the cleaning of an ended process had set aside beside the shared folder. */
  private sweepTrash(shared: string): void {
    const prefix = trashPrefix(shared);
    void readdir(dirname(shared))
      .then((names) => {
        for (const name of names) {
          if (!name.startsWith(prefix) || processExists(Number(name.slice(prefix.length).split("-")[0])))
            continue;
          const removing = this.removeFolder(join(dirname(shared), name)).catch(() => undefined);
          this.removing.add(removing);
          void removing.finally(() => this.removing.delete(removing));
        }
      })
      .catch(() => undefined);
  }

  /** Resolves once the work left after close (cleaning kept worktrees, deleting what they held) is done. */
  async idle(): Promise<void> {
    while (this.cleaning.size > 0 || this.removing.size > 0)
      await Promise.all([...this.cleaning, ...this.removing]);
  }
}

/** Folders set aside by cleanings after a run sit beside the shared folder, named after it. */
const trashPrefix = (shared: string): string => `.trash-${basename(shared)}-`;
