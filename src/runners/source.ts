import { execFile } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { removeWorktree } from "../pipelines/git.js";
import { beyondNewest, markUsed } from "./keep-newest.js";

const git = promisify(execFile);

/** The ref a commit travels under in a bundle (a bundle needs a ref, not a bare commit). */
const refOf = (sha: string): string => `refs/slipway/runner/${sha}`;
const SHA = /^[0-9a-f]{40}$/;

const bundling = new Map<string, Promise<string>>();

/** Bundles the server keeps (the commits runners asked for most recently); older ones are made again if asked. */
export const KEEP_BUNDLES = 50;
/** Checkouts of commits a runner keeps (`<work-dir>/source/<sha>`, the ones it ran most recently). */
export const KEEP_SOURCES = 10;

/**
 * Server side: a git bundle of `sha` and its history, `<cacheDir>/<sha>.bundle`, made once per
 * commit and kept while among the KEEP_BUNDLES used most recently, so every runner that runs a
 * job of that commit downloads the same file.
 */
export function commitBundle(repoRoot: string, sha: string, cacheDir: string): Promise<string> {
  if (!SHA.test(sha)) return Promise.reject(new Error(`not a commit id: ${sha}`));
  const path = join(cacheDir, `${sha}.bundle`);
  if (existsSync(path)) {
    markUsed(path);
    return Promise.resolve(path);
  }
  let made = bundling.get(path);
  if (!made) {
    made = (async () => {
      mkdirSync(cacheDir, { recursive: true });
      const temp = `${path}.${process.pid}.tmp`;
      await git("git", ["update-ref", refOf(sha), sha], { cwd: repoRoot });
      try {
        await git("git", ["bundle", "create", "--quiet", temp, refOf(sha)], { cwd: repoRoot });
      } finally {
        await git("git", ["update-ref", "-d", refOf(sha)], { cwd: repoRoot }).catch(() => undefined);
      }
      renameSync(temp, path);
      // A runner already reading a dropped bundle keeps its open file.
      for (const old of beyondNewest(cacheDir, KEEP_BUNDLES, (name) => name.endsWith(".bundle"))) {
        rmSync(old, { force: true });
      }
      return path;
    })().finally(() => bundling.delete(path));
    bundling.set(path, made);
  }
  return made;
}

/**
 * Runner side: a repository (`<dir>/repo`) holding `sha`, fetched from a bundle the first time a
 * job of that commit runs here; `download(file)` writes the server's bundle to `file`.
 */
export async function repositoryWith(
  dir: string,
  sha: string,
  download: (file: string) => Promise<void>,
): Promise<string> {
  if (!SHA.test(sha)) throw new Error(`not a commit id: ${sha}`);
  const repo = join(dir, "repo");
  if (!existsSync(join(repo, ".git"))) {
    mkdirSync(repo, { recursive: true });
    await git("git", ["init", "--quiet", repo]);
  }
  const has = await git("git", ["cat-file", "-e", `${sha}^{commit}`], { cwd: repo }).then(
    () => true,
    () => false,
  );
  if (!has) {
    const file = join(dir, `${sha}.bundle`);
    try {
      await download(file);
      await git("git", ["fetch", "--quiet", file, `${refOf(sha)}:${refOf(sha)}`], { cwd: repo });
    } finally {
      rmSync(file, { force: true });
    }
  }
  return repo;
}

/**
 * Runner side, between jobs: removes the checkouts (`<dir>/source/<sha>`, made by runRemoteJob)
 * beyond the `keep` used most recently, and the refs that held their commits, so a runner's disk
 * holds a bounded number of trees however many commits it has run.
 */
export async function pruneSources(dir: string, keep = KEEP_SOURCES): Promise<void> {
  const repo = join(dir, "repo");
  for (const path of beyondNewest(join(dir, "source"), keep, (name) => SHA.test(name))) {
    await removeWorktree(repo, path);
    rmSync(path, { recursive: true, force: true });
    const sha = path.slice(-40);
    await git("git", ["update-ref", "-d", refOf(sha)], { cwd: repo }).catch(() => undefined);
  }
}
