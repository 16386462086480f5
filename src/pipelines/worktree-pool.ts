import { execFile } from "node:child_process";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { moveWorktree, removeWorktree } from "./git.js";

const execFileAsync = promisify(execFile);
const gitIn = (cwd: string, args: string[]) => execFileAsync("git", args, { cwd });

/** The commit a worktree's HEAD names when detached (read from git's bookkeeping, no process). */
async function worktreeHead(worktree: string): Promise<string | undefined> {
  const admin = /^gitdir: (.+)$/m.exec(await readFile(join(worktree, ".git"), "utf8"))?.[1]?.trim();
  return admin ? (await readFile(join(admin, "HEAD"), "utf8")).trim() : undefined;
}

/**
 * The worktrees of a run's finished jobs, cleaned and kept for the run's next checkouts: writing
 * a repository's files again for every job is most of a checkout's cost, and a worktree reset to
 * the commit and cleaned (`git checkout --force`, `git clean -ffdx`, what actions/checkout does
 * on a self-hosted runner's kept workspace) holds exactly the files a fresh one would. Kept below
 * the run's directory and removed when the run ends; a worktree that cannot be reused is removed.
 */
export class WorktreePool {
  private readonly free: string[] = [];
  private readonly releasing = new Set<Promise<void>>();
  private serial = 0;

  constructor(
    private readonly repoRoot: string,
    private readonly dir: string,
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
    if (pooled === undefined) return false;
    try {
      await moveWorktree(this.repoRoot, pooled, workspace);
    } catch {
      await this.discard(pooled);
      return false;
    }
    try {
      // Released reset and cleaned: at the wanted commit already, it needs nothing more.
      if ((await worktreeHead(workspace)) === sha) return true;
      await gitIn(workspace, ["checkout", "--quiet", "--force", "--detach", sha]);
      await gitIn(workspace, ["clean", "-ffdxq"]);
      return true;
    } catch {
      await this.discard(workspace);
      await mkdir(workspace, { recursive: true });
      return false;
    }
  }

  /** Takes a finished job's worktree into the pool, reset and cleaned; removes it when it cannot. */
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
    } catch {
      await this.discard(workspace);
      return;
    }
    try {
      await gitIn(kept, ["reset", "--hard", "--quiet"]);
      await gitIn(kept, ["clean", "-ffdxq"]);
      this.free.push(kept);
    } catch {
      await this.discard(kept);
    }
  }

  /** Removes a worktree and its folder, whatever state its bookkeeping is in. */
  private async discard(path: string): Promise<void> {
    await removeWorktree(this.repoRoot, path);
    await rm(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }

  /** Removes every kept worktree (the run is over). */
  async close(): Promise<void> {
    for (const kept of this.free.splice(0)) await this.discard(kept);
  }
}
