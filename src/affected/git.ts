import { execFileAsync } from "../fork-server.js";

/**
 * Runs git in `cwd`; resolves with stdout, or undefined when git fails (unknown revision, not a
 * repo…). Asynchronous: the built-in actions run in the runner's process, whose event loop reads
 * the other jobs' output meanwhile, and independent questions go to git at once.
 */
export async function git(cwd: string, args: readonly string[]): Promise<string | undefined> {
  try {
    return (await execFileAsync("git", args, { cwd })).stdout;
  } catch (error) {
    // A numeric code is git's exit status; anything else (ENOENT, a full buffer) is not git's answer.
    if (typeof (error as { code?: unknown }).code === "number") return undefined;
    throw new Error(`cannot run git: ${(error as Error).message}`, { cause: error });
  }
}

const NULL_SHA = /^0{40}$/;

export async function revParse(cwd: string, rev: string): Promise<string | undefined> {
  return (await git(cwd, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]))?.trim() || undefined;
}

export async function isShallow(cwd: string): Promise<boolean> {
  return (await git(cwd, ["rev-parse", "--is-shallow-repository"]))?.trim() === "true";
}

export async function topLevel(cwd: string): Promise<string | undefined> {
  return (await git(cwd, ["rev-parse", "--show-toplevel"]))?.trim() || undefined;
}

/** The comparison point, or why there is none (then every service counts as changed). */
export type BaseResolution =
  { kind: "commit"; sha: string; description: string } | { kind: "everything"; why: string };

/** A pinned base whose history exists: the merge base of `base` and `head` (three-dot semantics). */
export async function resolveExplicitBase(
  cwd: string,
  base: string,
  headSha: string,
): Promise<BaseResolution> {
  if (NULL_SHA.test(base)) return { kind: "everything", why: "the base is the null commit (a new branch)" };
  const baseSha = await revParse(cwd, base);
  if (!baseSha) {
    const why = (await isShallow(cwd))
      ? `shallow clone: the base ${base} is not in the fetched history (fetch with fetch-depth: 0)`
      : undefined;
    if (why) return { kind: "everything", why };
    throw new Error(`unknown revision ${JSON.stringify(base)}: not a commit in this repository`);
  }
  const mergeBase = (await git(cwd, ["merge-base", baseSha, headSha]))?.trim();
  if (!mergeBase) {
    return {
      kind: "everything",
      why: (await isShallow(cwd))
        ? `shallow clone: no common ancestor of ${base} and the head in the fetched history`
        : `${base} and the head share no history`,
    };
  }
  return {
    kind: "commit",
    sha: mergeBase,
    description: mergeBase === baseSha ? base : `merge base of ${base} and the head`,
  };
}

/** An explicit base and head compared in one round of git questions. */
export interface Comparison {
  root: string;
  headSha: string;
  base: BaseResolution & { kind: "commit" };
  files: string[];
}

/**
 * `compare base...head` as one round of two git processes asked at once (the top level, both
 * commits and their merge base; the files changed since it) rather than five in turn: each git
 * process costs a run several milliseconds. Undefined when one of them fails (an unknown revision,
 * no common history, not a repository): the step-by-step path then finds out which and says why.
 */
export async function compareAtOnce(
  cwd: string,
  base: string,
  head: string,
  options: { includeWorkingTree: boolean },
): Promise<Comparison | undefined> {
  if (NULL_SHA.test(base) || [base, head].some((rev) => rev.startsWith("-"))) return undefined;
  const [resolved, committed, ...workingTree] = await Promise.all([
    // `A...B` prints B, A, then ^ and each merge base (none without common history).
    git(cwd, ["rev-parse", "--show-toplevel", `${base}^{commit}...${head}^{commit}`]),
    // Three dots: from the (first) merge base, the one named above.
    git(cwd, ["diff", "--name-only", "--no-renames", "-z", `${base}...${head}`]),
    ...(options.includeWorkingTree ? workingTreeChanges(cwd) : []),
  ]);
  const [root, headSha, baseSha, mergeBase] = resolved?.trim().split("\n") ?? [];
  const sha = mergeBase?.startsWith("^") ? mergeBase.slice(1) : undefined;
  if (!root || !headSha || !baseSha || !sha || committed === undefined) return undefined;
  const description = sha === baseSha ? base : `merge base of ${base} and the head`;
  return {
    root,
    headSha,
    base: { kind: "commit", sha, description },
    files: [...new Set([committed, ...workingTree].flatMap(nulSeparated))].sort(),
  };
}

const DEFAULT_BRANCHES = ["origin/HEAD", "main", "master", "origin/main", "origin/master"];

/**
 * No --base: on a feature branch, compare with where it left the default branch (as Turborepo's
 * `main...HEAD`); on the default branch itself, with the previous commit (what a push brought).
 */
export async function resolveDefaultBase(cwd: string, headSha: string): Promise<BaseResolution> {
  for (const branch of DEFAULT_BRANCHES) {
    const branchSha = await revParse(cwd, branch);
    if (!branchSha) continue;
    const mergeBase = (await git(cwd, ["merge-base", branchSha, headSha]))?.trim();
    if (mergeBase && mergeBase !== headSha) {
      return { kind: "commit", sha: mergeBase, description: `merge base of ${branch} and the head` };
    }
    if (mergeBase === headSha) break; // the head is on the default branch: use its parent
  }
  const parent = await revParse(cwd, `${headSha}~1`);
  if (parent) return { kind: "commit", sha: parent, description: "the previous commit" };
  return {
    kind: "everything",
    why: (await isShallow(cwd))
      ? "shallow clone: no earlier commit to compare with (fetch with fetch-depth: 0)"
      : "the head is the first commit",
  };
}

/** Names from git's `-z` output (a `git log`'s begin after the newline that ends its commit). */
export function nulSeparated(output: string | undefined): string[] {
  return (output ?? "")
    .split("\0")
    .map((name) => name.replace(/^\n/, ""))
    .filter((name) => name !== "");
}

/**
 * Files changed between `baseSha` and `headSha` (both sides of a rename), plus, when
 * `includeWorkingTree`, uncommitted and untracked files — the union Turborepo computes.
 */
export async function changedFiles(
  cwd: string,
  baseSha: string,
  headSha: string,
  options: { includeWorkingTree: boolean },
): Promise<string[]> {
  const lists = await Promise.all([
    git(cwd, ["diff", "--name-only", "--no-renames", "-z", baseSha, headSha]),
    ...(options.includeWorkingTree ? workingTreeChanges(cwd) : []),
  ]);
  return [...new Set(lists.flatMap(nulSeparated))].sort();
}

/** Uncommitted and untracked files, relative to the top level from any folder of the repository. */
function workingTreeChanges(cwd: string): Promise<string | undefined>[] {
  return [
    git(cwd, ["diff", "--name-only", "--no-renames", "-z", "HEAD"]),
    git(cwd, ["ls-files", "--others", "--exclude-standard", "--full-name", "-z", "--", ":/"]),
  ];
}
