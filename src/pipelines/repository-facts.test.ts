import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { repositoryFacts } from "./repository-facts.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function repo(): { dir: string; git(...args: string[]): string } {
  const dir = mkdtempSync(join(tmpdir(), "slipway-facts-"));
  dirs.push(dir);
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: dir,
      encoding: "utf8",
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "A",
        GIT_AUTHOR_EMAIL: "a@x",
        GIT_COMMITTER_NAME: "A",
        GIT_COMMITTER_EMAIL: "a@x",
      },
    }).trim();
  git("init", "-q", "-b", "trunk");
  git("commit", "-q", "--allow-empty", "-m", "one");
  return { dir, git };
}

/** The facts while git cannot be started: what was kept, or what git's absence gives. */
async function withoutGit(dir: string) {
  const path = process.env.PATH;
  process.env.PATH = "";
  try {
    return await repositoryFacts(dir);
  } finally {
    process.env.PATH = path;
  }
}

describe("repositoryFacts", () => {
  it("keeps the answers while the files they come from are unchanged, and asks again when one changes", async () => {
    const { dir, git } = repo();
    git("remote", "add", "origin", "git@github.com:acme/shop.git");
    expect(await repositoryFacts(dir)).toEqual({
      settings: { originUrl: "git@github.com:acme/shop.git" },
      defaultBranch: undefined,
    });
    // Kept: asked again with no git to ask, the same answer (not "no origin").
    expect((await withoutGit(dir)).settings.originUrl).toBe("git@github.com:acme/shop.git");
    // A commit moves a branch, not the facts: still kept.
    git("commit", "-q", "--allow-empty", "-m", "two");
    expect((await withoutGit(dir)).settings.originUrl).toBe("git@github.com:acme/shop.git");

    // The configuration changes: asked again.
    git("remote", "set-url", "origin", "https://github.com/acme/store.git");
    expect((await repositoryFacts(dir)).settings.originUrl).toBe("https://github.com/acme/store.git");
    // A branch named main appears: the default branch is asked again.
    git("branch", "main");
    expect((await repositoryFacts(dir)).defaultBranch).toBe("main");
    // origin/HEAD is set: it names the default branch.
    git("update-ref", "refs/remotes/origin/trunk", "HEAD");
    git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk");
    expect((await repositoryFacts(dir)).defaultBranch).toBe("trunk");
    // Packed, the refs answer the same, from the packed-refs file.
    git("pack-refs", "--all");
    expect((await repositoryFacts(dir)).defaultBranch).toBe("trunk");
  });

  it("asks every time when the configuration includes another file", async () => {
    const { dir, git } = repo();
    const included = join(dir, "..", `${dir.split("/").pop()}-included`);
    dirs.push(included);
    writeFileSync(included, '[remote "origin"]\n\turl = https://example.com/a/one.git\n');
    git("config", "include.path", included);
    expect((await repositoryFacts(dir)).settings).toMatchObject({
      originUrl: "https://example.com/a/one.git",
      includes: true,
    });
    // The included file changes, .git/config does not.
    writeFileSync(included, '[remote "origin"]\n\turl = https://example.com/a/two.git\n');
    expect((await repositoryFacts(dir)).settings.originUrl).toBe("https://example.com/a/two.git");
    // Never kept: without git, no answer.
    expect((await withoutGit(dir)).settings.originUrl).toBeUndefined();
  });
});
