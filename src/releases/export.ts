import { execFile, spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  symlinkSync,
} from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { promisify } from "node:util";
import { SlipwayError } from "../core/errors.js";

const run = promisify(execFile);

/** Where a release's files came from. */
export interface ExportedSource {
  ref: string;
  /** null when the project is not a git repository (working-tree copy). */
  commit: string | null;
  /** The commit's committer date (ISO 8601): where lead time to production starts. */
  committedAt?: string;
}

/** The ref recorded for a copy of a project that is not in git. */
export const WORKING_TREE = "working-tree";

async function git(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run("git", args, { cwd, maxBuffer: 1024 * 1024 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

/** The commit `ref` names in the git repository holding `projectDir`; undefined outside git or for an unknown ref. */
export async function resolveCommit(projectDir: string, ref: string): Promise<string | undefined> {
  if (ref.startsWith("-")) return undefined;
  return git(projectDir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
}

/**
 * Puts the files of `sourcePath` (absolute, inside `projectDir`) into `dest`:
 * - in a git repository, the committed tree at `ref` (`git archive <commit>:<path>`), so a release
 *   is exactly what was committed, never uncommitted edits;
 * - otherwise a copy of the working tree, leaving out `.git` and the paths in `exclude` (the data
 *   directory, which may sit inside the project).
 */
export async function exportSource(options: {
  projectDir: string;
  sourcePath: string;
  ref: string | undefined;
  dest: string;
  exclude: string[];
}): Promise<ExportedSource> {
  const { projectDir, sourcePath, dest } = options;
  const top = await git(projectDir, ["rev-parse", "--show-toplevel"]);
  mkdirSync(dest, { recursive: true });
  if (top === undefined) {
    if (options.ref !== undefined && options.ref !== WORKING_TREE) {
      throw new SlipwayError(
        "SLIPWAY_INVALID_ARGUMENT",
        `--ref ${options.ref} needs a git repository, and ${projectDir} is not one`,
      );
    }
    copyWorkingTree(sourcePath, dest, options.exclude);
    return { ref: WORKING_TREE, commit: null };
  }

  const ref = options.ref ?? "HEAD";
  if (ref.startsWith("-")) throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `not a git ref: ${ref}`);
  const commit = await git(top, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  if (commit === undefined) {
    throw new SlipwayError("SLIPWAY_NOT_FOUND", `git ref '${ref}' does not name a commit in ${top}`);
  }
  const inRepo = relative(realpathSync(top), realpathSync(sourcePath)).split(sep).join("/");
  if (inRepo.startsWith("..") || isAbsolute(inRepo)) {
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `${sourcePath} is outside the git repository ${top}`);
  }
  const treeish = inRepo === "" ? commit : `${commit}:${inRepo}`;
  if ((await git(top, ["cat-file", "-e", treeish])) === undefined) {
    throw new SlipwayError(
      "SLIPWAY_NOT_FOUND",
      // Releases come from committed files, not the working tree: say so, since a newcomer's first
      // deploy usually meets this with files that exist on disk but were never committed.
      `${inRepo || "."} does not exist at ${ref} (${commit.slice(0, 12)}) in the git repository ${top}: ` +
        `a release is built from the files committed at that ref, not from the working tree ` +
        `(commit the service's folder, e.g. \`git add ${inRepo || "."} && git commit\`, or pass --ref)`,
    );
  }
  await archiveInto(top, treeish, dest);
  const committedAt = await git(top, ["show", "-s", "--format=%cI", commit]);
  return { ref, commit, ...(committedAt ? { committedAt } : {}) };
}

/** `git archive <treeish> | tar -x -C dest`, two processes joined by a pipe, no shell. */
function archiveInto(repo: string, treeish: string, dest: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const archive = spawn("git", ["archive", "--format=tar", treeish], {
      cwd: repo,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const untar = spawn("tar", ["-x", "-f", "-", "-C", dest], { stdio: ["pipe", "ignore", "pipe"] });
    archive.stdout.pipe(untar.stdin);
    let errors = "";
    archive.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    untar.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    let pending = 2;
    let failed = false;
    const done = (what: string) => (code: number | null) => {
      if (code !== 0) failed = true;
      if (--pending > 0) return;
      if (failed)
        reject(
          new SlipwayError("SLIPWAY_BUILD_FAILED", `exporting ${treeish} failed (${what}): ${errors.trim()}`),
        );
      else resolvePromise();
    };
    archive.on("error", reject).on("close", done("git archive"));
    untar.on("error", reject).on("close", done("tar"));
  });
}

/**
 * A plain recursive copy: fs.cpSync refuses a destination inside the source, which is the normal
 * case here (a service at "." with the data directory inside the project); the filter skips it.
 */
function copyWorkingTree(source: string, dest: string, exclude: string[]): void {
  if (!existsSync(source)) throw new SlipwayError("SLIPWAY_NOT_FOUND", `${source} does not exist`);
  const skipped = [...exclude, dest].map((p) => resolve(p));
  const isSkipped = (full: string) => skipped.some((s) => full === s || full.startsWith(s + sep));
  const copyDir = (from: string, to: string): void => {
    mkdirSync(to, { recursive: true });
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const src = join(from, entry.name);
      if (entry.name === ".git" || isSkipped(src)) continue;
      const dst = join(to, entry.name);
      if (entry.isDirectory()) copyDir(src, dst);
      else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
      else if (entry.isFile()) copyFileSync(src, dst); // keeps the mode, so scripts stay executable
    }
  };
  copyDir(resolve(source), dest);
}

/** The project-relative path of a service, resolved and kept inside the project. */
export function servicePath(projectDir: string, path: string): string {
  return join(resolve(projectDir), path);
}
