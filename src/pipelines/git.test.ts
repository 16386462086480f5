import { afterEach, describe, expect, it } from "vitest";
import { commit, git, tempDirs } from "./actions/builtin/test-context.js";
import { defaultBranch, repositoryName, repositoryRoot, resolveRef } from "./git.js";

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

function repo(branch: string): string {
  const root = dirs.make("slipway-git-");
  git(root, "init", "-q", "-b", branch);
  commit(root, { "a.txt": "a" }, "first");
  return root;
}

describe("defaultBranch", () => {
  it("is origin's HEAD in a clone, whatever the local branches are called", async () => {
    const origin = repo("trunk");
    const clone = dirs.make("slipway-git-clone-");
    git(clone, "clone", "-q", origin, ".");
    git(clone, "checkout", "-q", "-b", "main");
    expect(await defaultBranch(clone)).toBe("trunk");
  });

  it("is init.defaultBranch when that branch exists, else main, else master", async () => {
    const root = repo("master");
    expect(await defaultBranch(root)).toBe("master");
    git(root, "branch", "main");
    expect(await defaultBranch(root)).toBe("main");
    git(root, "config", "init.defaultBranch", "develop");
    expect(await defaultBranch(root)).toBe("main");
    git(root, "branch", "develop");
    expect(await defaultBranch(root)).toBe("develop");
    git(root, "config", "init.defaultBranch", "master");
    expect(await defaultBranch(root)).toBe("master");
  });

  it("is a branch of origin when the clone has no local one of that name", async () => {
    const origin = repo("master");
    const clone = dirs.make("slipway-git-clone-");
    git(clone, "clone", "-q", origin, ".");
    git(clone, "remote", "set-head", "origin", "--delete");
    git(clone, "checkout", "-q", "-b", "feature");
    git(clone, "branch", "-q", "-D", "master");
    expect(await defaultBranch(clone)).toBe("master");
  });

  it("is unknown without origin's HEAD, the configured branch, main or master", async () => {
    const root = repo("feature");
    expect(await defaultBranch(root)).toBeUndefined();
  });
});

describe("repositoryRoot", () => {
  it("is the top-level directory from a subdirectory, and a clear error outside a repository", () => {
    const root = repo("main");
    commit(root, { "sub/b.txt": "b" }, "second");
    expect(repositoryRoot(`${root}/sub`)).toBe(git(root, "rev-parse", "--show-toplevel"));
    expect(() => repositoryRoot(dirs.make("slipway-not-git-"))).toThrow(/not inside a git repository/);
  });
});

describe("resolveRef without --ref", () => {
  it("is HEAD's commit, its first parent and its branch; the commit itself when detached", async () => {
    const root = repo("main");
    const first = git(root, "rev-parse", "HEAD");
    expect(await resolveRef(root, undefined)).toEqual({ sha: first, ref: "refs/heads/main", parent: null });
    commit(root, { "b.txt": "b" }, "second");
    const second = git(root, "rev-parse", "HEAD");
    expect(await resolveRef(root, undefined)).toEqual({ sha: second, ref: "refs/heads/main", parent: first });
    git(root, "checkout", "-q", "--detach", "HEAD");
    expect(await resolveRef(root, undefined)).toEqual({ sha: second, ref: second, parent: first });
  });

  it("says there is no commit in a repository without one", async () => {
    const root = dirs.make("slipway-git-empty-");
    git(root, "init", "-q", "-b", "main");
    await expect(resolveRef(root, undefined)).rejects.toThrow(/--ref HEAD: no such commit/);
  });
});

describe("repositoryName", () => {
  it("is owner/name of origin's URL, with url.*.insteadOf applied as git does", async () => {
    const root = repo("main");
    expect(await repositoryName(root)).toMatch(/^local\/slipway-git-/);
    git(root, "remote", "add", "origin", "gh:acme/widgets.git");
    git(root, "config", "url.https://github.com/.insteadOf", "gh:");
    git(root, "config", "url.https://mirror.example/.insteadOf", "g");
    expect(git(root, "remote", "get-url", "origin")).toBe("https://github.com/acme/widgets.git");
    expect(await repositoryName(root)).toBe("acme/widgets");
  });
});
