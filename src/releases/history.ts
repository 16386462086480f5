import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { SlipwayError } from "../core/errors.js";

/** The git side of `slipway release`: reading history and tags, and the two writes (commit, tag). */

/** Runs git in `cwd` and returns stdout; a failure is an error naming the command and git's own words. */
export function runGit(cwd: string, args: readonly string[], env?: NodeJS.ProcessEnv): string {
  const result = spawnSync("git", args, {
    cwd,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    ...(env && { env }),
  });
  if (result.error) throw new SlipwayError("SLIPWAY_UNAVAILABLE", `cannot run git: ${result.error.message}`);
  if (result.status !== 0) {
    const why = (result.stderr || result.stdout).trim().split("\n").slice(-2).join(" ");
    throw new SlipwayError("SLIPWAY_CONFLICT", `git ${args[0]} failed: ${why}`);
  }
  return result.stdout;
}

/** git's answer, or undefined when it exits non-zero (a question with "no" as an answer). */
function ask(cwd: string, args: readonly string[]): string | undefined {
  const result = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

export interface RepositoryState {
  root: string;
  /** Full SHA of HEAD. */
  head: string;
  /** refs/heads/… name; undefined on a detached HEAD. */
  branch?: string;
  /** Tracked files with changes (staged or not); untracked files do not count. */
  dirtyFiles: string[];
}

/**
 * Where the repository at `dir` stands; refuses (one clear line) a directory outside git and a
 * repository without commits, where there is nothing to version.
 */
export function repositoryState(dir: string): RepositoryState {
  const root = ask(dir, ["rev-parse", "--show-toplevel"]);
  if (!root)
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `${resolve(dir)} is not inside a git repository`);
  const head = ask(root, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]);
  if (!head) {
    throw new SlipwayError("SLIPWAY_CONFLICT", `${root} has no commits yet: commit something to release`);
  }
  const branch = ask(root, ["symbolic-ref", "--quiet", "--short", "HEAD"]);
  const status = runGit(root, ["status", "--porcelain", "-z", "--untracked-files=no"]);
  const dirtyFiles = status
    .split("\0")
    .filter((entry) => entry.length > 3)
    .map((entry) => entry.slice(3));
  return { root, head, ...(branch && { branch }), dirtyFiles };
}

/** Tags whose name starts with `prefix` and that are reachable from HEAD (another branch's tags are not this history). */
export function tagsMergedIntoHead(root: string, prefix: string): string[] {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
  return runGit(root, ["tag", "--list", "--merged", "HEAD", pattern])
    .split("\n")
    .map((t) => t.trim())
    .filter((t) => t !== "");
}

export interface HistoryCommit {
  sha: string;
  message: string;
  /** Paths the commit changed (both sides of a rename); empty for a merge commit. */
  files: string[];
}

/** Commits after `since` (a tag; all history when undefined) up to HEAD, newest first. */
export function commitsSince(root: string, since: string | undefined): HistoryCommit[] {
  const range = since === undefined ? "HEAD" : `${since}..HEAD`;
  // Records start with \x1e; sha and message end with \x1f; the NUL-separated file names follow.
  const out = runGit(root, [
    "log",
    "--name-only",
    "--no-renames",
    "-z",
    "--format=%x1e%H%x1f%B%x1f",
    range,
    "--",
  ]);
  return out
    .split("\x1e")
    .filter((record) => record !== "")
    .map((record) => {
      const [sha = "", message = "", rest = ""] = record.split("\x1f");
      const files = rest
        .split("\0")
        .map((f) => f.replace(/^\n/, ""))
        .filter((f) => f !== "");
      return { sha, message, files };
    });
}

/** The web address of `origin` as git has it configured, or undefined without one. */
export function originUrl(root: string): string | undefined {
  return ask(root, ["remote", "get-url", "origin"]) || undefined;
}

/** The commit a tag points at. */
export function tagCommit(root: string, tag: string): string {
  return runGit(root, ["rev-parse", "--verify", `refs/tags/${tag}^{commit}`]).trim();
}

/** Commits exactly `paths` (already written) with `message`; returns the new HEAD. */
export function commitFiles(root: string, paths: readonly string[], message: string): string {
  runGit(root, ["add", "--", ...paths]);
  runGit(root, ["commit", "--quiet", "--no-verify", "-m", message, "--", ...paths]);
  return runGit(root, ["rev-parse", "HEAD"]).trim();
}

/** An annotated tag on HEAD (annotated: it carries the tagger, the date and the notes). */
export function createTag(root: string, tag: string, message: string): void {
  // verbatim: git's default "strip" would drop the notes' "## " and "### " lines as comments.
  runGit(root, ["tag", "--annotate", "--cleanup=verbatim", "-m", message, tag, "HEAD"]);
}
