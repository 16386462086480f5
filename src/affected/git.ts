import { spawnSync } from "node:child_process";

/** Runs git in `cwd`; returns stdout, or undefined when git fails (unknown revision, not a repo…). */
export function git(cwd: string, args: readonly string[]): string | undefined {
  const result = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw new Error(`cannot run git: ${result.error.message}`);
  return result.status === 0 ? result.stdout : undefined;
}

const NULL_SHA = /^0{40}$/;

export function revParse(cwd: string, rev: string): string | undefined {
  return git(cwd, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`])?.trim() || undefined;
}

export function isShallow(cwd: string): boolean {
  return git(cwd, ["rev-parse", "--is-shallow-repository"])?.trim() === "true";
}

export function topLevel(cwd: string): string | undefined {
  return git(cwd, ["rev-parse", "--show-toplevel"])?.trim() || undefined;
}

/** The comparison point, or why there is none (then every service counts as changed). */
export type BaseResolution =
  { kind: "commit"; sha: string; description: string } | { kind: "everything"; why: string };

/** A pinned base whose history exists: the merge base of `base` and `head` (three-dot semantics). */
export function resolveExplicitBase(cwd: string, base: string, headSha: string): BaseResolution {
  if (NULL_SHA.test(base)) return { kind: "everything", why: "the base is the null commit (a new branch)" };
  const baseSha = revParse(cwd, base);
  if (!baseSha) {
    const why = isShallow(cwd)
      ? `shallow clone: the base ${base} is not in the fetched history (fetch with fetch-depth: 0)`
      : undefined;
    if (why) return { kind: "everything", why };
    throw new Error(`unknown revision ${JSON.stringify(base)}: not a commit in this repository`);
  }
  const mergeBase = git(cwd, ["merge-base", baseSha, headSha])?.trim();
  if (!mergeBase) {
    return {
      kind: "everything",
      why: isShallow(cwd)
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

const DEFAULT_BRANCHES = ["origin/HEAD", "main", "master", "origin/main", "origin/master"];

/**
 * No --base: on a feature branch, compare with where it left the default branch (as Turborepo's
 * `main...HEAD`); on the default branch itself, with the previous commit (what a push brought).
 */
export function resolveDefaultBase(cwd: string, headSha: string): BaseResolution {
  for (const branch of DEFAULT_BRANCHES) {
    const branchSha = revParse(cwd, branch);
    if (!branchSha) continue;
    const mergeBase = git(cwd, ["merge-base", branchSha, headSha])?.trim();
    if (mergeBase && mergeBase !== headSha) {
      return { kind: "commit", sha: mergeBase, description: `merge base of ${branch} and the head` };
    }
    if (mergeBase === headSha) break; // the head is on the default branch: use its parent
  }
  const parent = revParse(cwd, `${headSha}~1`);
  if (parent) return { kind: "commit", sha: parent, description: "the previous commit" };
  return {
    kind: "everything",
    why: isShallow(cwd)
      ? "shallow clone: no earlier commit to compare with (fetch with fetch-depth: 0)"
      : "the head is the first commit",
  };
}

function nulSeparated(output: string | undefined): string[] {
  return (output ?? "").split("\0").filter((path) => path !== "");
}

/**
 * Files changed between `baseSha` and `headSha` (both sides of a rename), plus, when
 * `includeWorkingTree`, uncommitted and untracked files — the union Turborepo computes.
 */
export function changedFiles(
  cwd: string,
  baseSha: string,
  headSha: string,
  options: { includeWorkingTree: boolean },
): string[] {
  const files = new Set(
    nulSeparated(git(cwd, ["diff", "--name-only", "--no-renames", "-z", baseSha, headSha])),
  );
  if (options.includeWorkingTree) {
    for (const file of nulSeparated(git(cwd, ["diff", "--name-only", "--no-renames", "-z", "HEAD"])))
      files.add(file);
    for (const file of nulSeparated(git(cwd, ["ls-files", "--others", "--exclude-standard", "-z"])))
      files.add(file);
  }
  return [...files].sort();
}
