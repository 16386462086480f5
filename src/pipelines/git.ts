import { execFileSync } from "node:child_process";
import { accessSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { nulSeparated } from "../affected/git.js";
import { SlipwayError } from "../core/errors.js";
import { execFileAsync } from "../fork-server.js";

/** Runs git in `cwd` and returns its trimmed stdout; throws with git's own message on failure. */
export function git(cwd: string, args: string[]): string {
  try {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (error) {
    const stderr = (error as { stderr?: Buffer | string }).stderr?.toString().trim() ?? "";
    throw new Error(`git ${args.join(" ")}: ${stderr || (error as Error).message}`, { cause: error });
  }
}

function tryGit(cwd: string, args: string[]): string | undefined {
  try {
    return git(cwd, args);
  } catch {
    return undefined;
  }
}

/**
 * Top-level directories found so far, by the directory asked about: `slipway run` asks for the
 * same one three times (the database, the run owners, the run), and each ask is a git process.
 */
const roots = new Map<string, string>();

/** The repository's top-level directory, or a clear error when `dir` is not in a git repository. */
export function repositoryRoot(dir: string): string {
  const root = roots.get(dir) ?? tryGit(dir, ["rev-parse", "--show-toplevel"]);
  if (!root)
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `${dir} is not inside a git repository (slipway run needs one)`,
    );
  roots.set(dir, root);
  return root;
}

/**
 * Like git(), without blocking: a run asks git about its event before its first job, and the
 * questions that do not depend on each other go to git at once (each git process costs ~3 ms).
 */
export async function gitAsync(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync("git", args, { cwd });
    return stdout.trim();
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? "").trim();
    throw new Error(`git ${args.join(" ")}: ${stderr || (error as Error).message}`, { cause: error });
  }
}

async function tryGitAsync(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    return await gitAsync(cwd, args);
  } catch {
    return undefined;
  }
}

export interface ResolvedRef {
  sha: string;
  /** Full ref name: refs/heads/x, refs/tags/v1, or the sha itself when detached. */
  ref: string;
  /** The commit's first parent, null for a root commit; absent when it was not asked on the way. */
  parent?: string | null;
}

/** Resolves `--ref` (a branch, tag, full ref or sha; default HEAD) to a commit and a full ref name. */
export async function resolveRef(repoRoot: string, ref: string | undefined): Promise<ResolvedRef> {
  if (ref === undefined) {
    // The usual case in one git process: HEAD's commit, its parents (none for a root commit) and
    // the branch HEAD names ("HEAD" when detached). An unborn HEAD fails it: asked below, one by one.
    const lines = (
      await tryGitAsync(repoRoot, ["rev-parse", "HEAD^{commit}", "HEAD^@", "--symbolic-full-name", "HEAD"])
    )?.split("\n");
    if (lines && lines.length >= 2) {
      const [sha = "", ...rest] = lines;
      const branch = rest.pop();
      return { sha, ref: branch === "HEAD" || !branch ? sha : branch, parent: rest[0] ?? null };
    }
  }
  const wanted = ref ?? "HEAD";
  const exists = (full: string) =>
    tryGitAsync(repoRoot, ["show-ref", "--verify", "--quiet", full]).then((out) => out !== undefined);
  const [sha, branch, isTag, isBranch] = await Promise.all([
    tryGitAsync(repoRoot, ["rev-parse", "--verify", "--quiet", `${wanted}^{commit}`]),
    ref === undefined ? tryGitAsync(repoRoot, ["symbolic-ref", "--quiet", "HEAD"]) : undefined,
    ref === undefined || wanted.startsWith("refs/") ? false : exists(`refs/tags/${wanted}`),
    ref === undefined || wanted.startsWith("refs/") ? false : exists(`refs/heads/${wanted}`),
  ]);
  if (!sha)
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `--ref ${wanted}: no such commit, branch or tag`);
  if (wanted.startsWith("refs/")) return { sha, ref: wanted };
  if (ref === undefined) return { sha, ref: branch ?? sha };
  if (isTag) return { sha, ref: `refs/tags/${wanted}` };
  if (isBranch) return { sha, ref: `refs/heads/${wanted}` };
  return { sha, ref: wanted };
}

/** The parent of `sha`, if it has one (the default base of a push). */
export function parentOf(repoRoot: string, sha: string): Promise<string | undefined> {
  return tryGitAsync(repoRoot, ["rev-parse", "--verify", "--quiet", `${sha}^`]);
}

/**
 * The repository's default branch, as GitHub would name it: origin's HEAD, else
 * `init.defaultBranch` when that branch exists, else `main` or `master` (local or on origin).
 */
export async function defaultBranch(
  repoRoot: string,
  settings: Promise<RepositorySettings> = repositorySettings(repoRoot),
): Promise<string | undefined> {
  // One git process answers for origin's HEAD and the usual names, rather than one per ref.
  const usual = ["main", "master"];
  const [listed, configured] = await Promise.all([
    tryGitAsync(repoRoot, [
      "for-each-ref",
      "--format=%(refname)%00%(symref)%00%(objecttype)",
      "refs/remotes/origin/HEAD",
      ...usual.flatMap((name) => [`refs/heads/${name}`, `refs/remotes/origin/${name}`]),
    ]),
    settings.then((found) => found.initDefaultBranch),
  ]);
  const symrefs = new Map<string, string>();
  const commits = new Set<string>();
  for (const line of listed ? listed.split("\n") : []) {
    const [ref = "", symref = "", type = ""] = line.split("\0");
    if (symref) symrefs.set(ref, symref);
    if (type === "commit") commits.add(ref);
  }
  const originHead = symrefs.get("refs/remotes/origin/HEAD");
  if (originHead) return originHead.replace(/^refs\/remotes\/origin\//, "");
  if (configured && !usual.includes(configured) && (await branchCommit(repoRoot, configured)) !== undefined)
    return configured;
  for (const name of configured && usual.includes(configured) ? [configured, ...usual] : usual) {
    if (commits.has(`refs/heads/${name}`) || commits.has(`refs/remotes/origin/${name}`)) return name;
  }
  return undefined;
}

/** The commit of a branch, local or else on origin (a fresh clone has only origin's branches). */
export async function branchCommit(repoRoot: string, branch: string): Promise<string | undefined> {
  const [local, origin] = await Promise.all(
    [`refs/heads/${branch}`, `refs/remotes/origin/${branch}`].map((ref) =>
      tryGitAsync(repoRoot, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]),
    ),
  );
  return local ?? origin;
}

export function mergeBase(repoRoot: string, a: string, b: string): Promise<string | undefined> {
  return tryGitAsync(repoRoot, ["merge-base", a, b]);
}

export async function resolveCommit(repoRoot: string, rev: string): Promise<string> {
  const sha = await tryGitAsync(repoRoot, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]);
  if (!sha)
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `--base ${rev}: no such commit, branch or tag`);
  return sha;
}

/**
 * Files changed between two commits (paths relative to the repository root), as they are: NUL
 * separated, since git quotes a name with a space or a non-ASCII letter on a line of its own.
 */
export async function changedFiles(repoRoot: string, base: string, head: string): Promise<string[]> {
  return nulSeparated(await gitAsync(repoRoot, ["diff", "-z", "--name-only", "--no-renames", base, head]));
}

/** Files of the commit itself (a root commit: everything it adds). */
export async function filesOfCommit(repoRoot: string, sha: string): Promise<string[]> {
  return nulSeparated(await gitAsync(repoRoot, ["ls-tree", "-r", "-z", "--name-only", sha]));
}

/**
 * Worktree bookkeeping (`.git/worktrees/<name>`) is not safe against concurrent `add`, `remove`
 * and `prune` in one repository, so this process runs them one at a time per repository. The
 * checkout itself is quick; parallel jobs still run their steps in parallel.
 */
const worktreeQueues = new Map<string, Promise<unknown>>();

function inWorktreeQueue<T>(repoRoot: string, task: () => T | Promise<T>): Promise<T> {
  const previous = worktreeQueues.get(repoRoot) ?? Promise.resolve();
  const next = previous.then(task, task);
  const settled = next.catch(() => undefined);
  worktreeQueues.set(repoRoot, settled);
  void settled.then(() => {
    if (worktreeQueues.get(repoRoot) === settled) worktreeQueues.delete(repoRoot);
  });
  return next;
}

/**
 * A clean, detached checkout of `sha` at `path` sharing the repository's objects. Git names the
 * worktree after the last part of `path`, so callers give every workspace a unique one (other
 * runs, other processes). Asynchronous: parallel jobs must not block the event loop that reads
 * their steps' output.
 */
export async function addWorktree(repoRoot: string, path: string, sha: string): Promise<void> {
  try {
    await inWorktreeQueue(repoRoot, () =>
      execFileAsync("git", ["worktree", "add", "--detach", "--quiet", path, sha], { cwd: repoRoot }),
    );
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? "").trim();
    throw new Error(`git worktree add: ${stderr || (error as Error).message}`, { cause: error });
  }
}

export async function removeWorktree(repoRoot: string, path: string): Promise<void> {
  await inWorktreeQueue(repoRoot, async () => {
    try {
      await execFileAsync("git", ["worktree", "remove", "--force", path], { cwd: repoRoot });
    } catch {
      // Already gone, or never created: prune below forgets it either way.
      await execFileAsync("git", ["worktree", "prune"], { cwd: repoRoot }).catch(() => undefined);
    }
  });
}

/**
 * Moves the worktree at `from` to `to` (a path that does not exist, or an empty folder) and points
 * git's bookkeeping at it: what `git worktree move` does, without starting git. In the worktree
 * queue, so no prune of this process sees it half-moved. Throws when `from` is not a worktree
 * whose bookkeeping is there (the caller then removes it). Its four file operations on metadata
 * are synchronous: each takes microseconds, and as many turns of a busy event loop took
 * milliseconds before a job's checkout could start.
 */
export async function moveWorktree(
  repoRoot: string,
  from: string,
  to: string,
  options: { bookkeepingFirst?: boolean } = {},
): Promise<void> {
  await inWorktreeQueue(repoRoot, () => {
    const admin = /^gitdir: (.+)$/m.exec(readFileSync(join(from, ".git"), "utf8"))?.[1]?.trim();
    if (!admin || !isAbsolute(admin)) throw new Error(`${from} is not a git worktree`);
    accessSync(join(admin, "gitdir"));
    // bookkeepingFirst: the worktree appears at `to` complete, for other processes that take what
    // is there (WorktreePool's shared folder); otherwise the rename decides who has it, and only
    // the process whose rename succeeded writes.
    if (options.bookkeepingFirst) writeFileSync(join(admin, "gitdir"), `${join(to, ".git")}\n`);
    try {
      renameSync(from, to);
    } catch (error) {
      if (options.bookkeepingFirst) writeFileSync(join(admin, "gitdir"), `${join(from, ".git")}\n`);
      throw error;
    }
    if (!options.bookkeepingFirst) writeFileSync(join(admin, "gitdir"), `${join(to, ".git")}\n`);
  });
}

/** What a run reads from the repository's git configuration. */
export interface RepositorySettings {
  /** `init.defaultBranch`. */
  initDefaultBranch?: string;
  /** The origin remote's URL as `git remote get-url origin` gives it (`url.*.insteadOf` applied). */
  originUrl?: string;
  /** The configuration includes other files (`include.path`, `includeIf.*.path`). */
  includes?: boolean;
}

/** The settings a run needs, from one `git config` process rather than one per setting. */
export async function repositorySettings(repoRoot: string): Promise<RepositorySettings> {
  const out = await tryGitAsync(repoRoot, [
    "config",
    "--get-regexp",
    "^(init\\.defaultbranch|remote\\.origin\\.url|url\\..*\\.insteadof|include\\.path|includeif\\..*\\.path)$",
  ]);
  const settings: RepositorySettings = {};
  const insteadOf: { prefix: string; base: string }[] = [];
  for (const line of out ? out.split("\n") : []) {
    const space = line.indexOf(" ");
    // Git prints the section and the key in lower case; a subsection (url.<base>.) as written.
    const [key, value] = space === -1 ? [line, ""] : [line.slice(0, space), line.slice(space + 1)];
    if (key === "init.defaultbranch") settings.initDefaultBranch ??= value;
    else if (key === "remote.origin.url") settings.originUrl ??= value;
    else if (key.startsWith("url.") && key.endsWith(".insteadof"))
      insteadOf.push({ prefix: value, base: key.slice("url.".length, -".insteadof".length) });
    else if (key.startsWith("include")) settings.includes = true;
  }
  // As git rewrites a remote URL: the longest matching insteadOf prefix wins.
  const rewrite = insteadOf
    .filter(({ prefix }) => settings.originUrl?.startsWith(prefix))
    .sort((a, b) => b.prefix.length - a.prefix.length)[0];
  if (rewrite && settings.originUrl)
    settings.originUrl = rewrite.base + settings.originUrl.slice(rewrite.prefix.length);
  return settings;
}

/** `owner/name` from the origin remote when it looks like one, else `local/<dir name>`. */
export async function repositoryName(
  repoRoot: string,
  settings: Promise<RepositorySettings> = repositorySettings(repoRoot),
): Promise<string> {
  const url = (await settings).originUrl;
  const match = url ? /[:/]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url) : null;
  if (match) return `${match[1]}/${match[2]}`;
  return `local/${repoRoot.split("/").filter(Boolean).pop() ?? "repo"}`;
}

/** A commit as a run page shows it. */
export interface CommitInfo {
  sha: string;
  /** The whole message: subject, then the body after a blank line. */
  message: string;
  author: string;
  /** ISO-8601, the author date. */
  authoredAt: string;
}

/**
 * The message, author and date of `sha`; undefined when the repository does not have it (a run
 * recorded elsewhere, a commit gone with its branch). Asynchronous: the server calls it.
 */
export async function commitInfo(repoRoot: string, sha: string): Promise<CommitInfo | undefined> {
  if (!/^[0-9a-f]{4,64}$/.test(sha)) return undefined;
  try {
    const { stdout } = await execFileAsync(
      "git",
      ["log", "-1", "--no-show-signature", "--format=%H%x00%an%x00%aI%x00%B", sha, "--"],
      { cwd: repoRoot },
    );
    const [full = sha, author = "", authoredAt = "", ...message] = stdout.split("\0");
    return { sha: full, author, authoredAt, message: message.join("\0").trimEnd() };
  } catch {
    return undefined;
  }
}

/** Local branch names, the checked-out one first, then by name. */
export function localBranches(repoRoot: string): string[] {
  const current = tryGit(repoRoot, ["symbolic-ref", "--quiet", "--short", "HEAD"]);
  const all = (tryGit(repoRoot, ["for-each-ref", "--format=%(refname:short)", "refs/heads/"]) ?? "")
    .split("\n")
    .filter((name) => name !== "" && name !== current)
    .sort();
  return current ? [current, ...all] : all;
}
