import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AffectedInputError, detectAffected } from "./detect.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function write(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

function git(root: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd: root,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@x",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@x",
    },
  }).trim();
}

function commitAll(root: string, message: string): void {
  git(root, "add", "-A");
  git(root, "commit", "-q", "-m", message);
}

/** A workspace monorepo: ui depends on core, api independent. */
function workspaceRepo(): string {
  const root = mkdtempSync(join(tmpdir(), "slipway-affected-"));
  dirs.push(root);
  git(root, "init", "-q", "-b", "main");
  write(root, {
    "package.json": JSON.stringify({ name: "mono", private: true, workspaces: ["packages/*", "apps/*"] }),
    "packages/core/package.json": JSON.stringify({ name: "@m/core" }),
    "packages/core/index.js": "export const x = 1;\n",
    "apps/ui/package.json": JSON.stringify({ name: "@m/ui", dependencies: { "@m/core": "*" } }),
    "apps/ui/index.js": "1\n",
    "apps/api/package.json": JSON.stringify({ name: "@m/api" }),
    "apps/api/index.js": "1\n",
  });
  commitAll(root, "initial");
  return root;
}

/**
 * On branch `feature`, which changed core; main moved on since (an api change) and must not count:
 * three-dot semantics.
 */
function featureBranchRepo(): string {
  const root = workspaceRepo();
  git(root, "checkout", "-q", "-b", "feature");
  write(root, { "packages/core/index.js": "export const x = 2;\n" });
  commitAll(root, "core change");
  git(root, "checkout", "-q", "main");
  write(root, { "apps/api/index.js": "2\n" });
  commitAll(root, "api on main");
  git(root, "checkout", "-q", "feature");
  return root;
}

// Each case builds a git repository: generous time on a busy machine.
describe("detectAffected", { timeout: 60_000 }, () => {
  it("on a feature branch compares with the merge base of main and includes dependents", async () => {
    const root = featureBranchRepo();

    const report = await detectAffected({ cwd: root });
    expect(report.source).toBe("npm-workspaces");
    expect(report.base).toMatchObject({ kind: "commit", description: "merge base of main and the head" });
    expect(report.changedFiles).toEqual(["packages/core/index.js"]);
    expect(report.affected.sort()).toEqual(["@m/core", "@m/ui"]);
  });

  it("on main compares with the previous commit, and counts uncommitted and untracked files", async () => {
    const root = workspaceRepo();
    write(root, { "apps/api/index.js": "3\n" });
    commitAll(root, "api change");
    write(root, { "apps/ui/new-file.js": "untracked\n" });
    const report = await detectAffected({ cwd: root });
    expect(report.base).toMatchObject({ kind: "commit", description: "the previous commit" });
    expect(report.changedFiles).toEqual(["apps/api/index.js", "apps/ui/new-file.js"]);
    expect(report.affected.sort()).toEqual(["@m/api", "@m/ui"]);
  });

  it("with an explicit --head ignores the working tree", async () => {
    const root = workspaceRepo();
    const first = git(root, "rev-parse", "HEAD");
    write(root, { "apps/api/index.js": "3\n" });
    commitAll(root, "api change");
    write(root, { "apps/ui/index.js": "dirty\n" });
    const report = await detectAffected({ cwd: root, base: first, head: "HEAD" });
    expect(report.head.includesWorkingTree).toBe(false);
    expect(report.affected).toEqual(["@m/api"]);
  });

  it("with an explicit --base from a subfolder: the merge base, the commits and the whole working tree", async () => {
    const root = featureBranchRepo();
    // Untracked and uncommitted files outside the folder asked from count too.
    write(root, { "apps/ui/new-file.js": "untracked\n", "README.md": "dirty\n" });
    git(root, "add", "README.md");

    const report = await detectAffected({ cwd: join(root, "apps/api"), base: "main" });
    expect(report.root).toBe(git(root, "rev-parse", "--show-toplevel"));
    expect(report.base).toEqual({
      kind: "commit",
      sha: git(root, "merge-base", "main", "feature"),
      description: "merge base of main and the head",
    });
    expect(report.head).toEqual({
      rev: "HEAD",
      sha: git(root, "rev-parse", "HEAD"),
      includesWorkingTree: true,
    });
    expect(report.changedFiles).toEqual(["README.md", "apps/ui/new-file.js", "packages/core/index.js"]);
    expect(report.affected.sort()).toEqual(["@m/core", "@m/ui"]);
  });

  it("treats a lockfile change as affecting everything", async () => {
    const root = workspaceRepo();
    write(root, { "package-lock.json": "{}" });
    commitAll(root, "lock");
    const report = await detectAffected({ cwd: root });
    expect(report.globalChange).toBe("package-lock.json");
    expect(report.affected).toHaveLength(3);
  });

  it("never takes an installed package for a workspace, with * or ** globs", async () => {
    for (const globs of [
      ["packages/*", "apps/*"],
      ["packages/**", "apps/*"],
    ]) {
      const root = workspaceRepo();
      write(root, {
        "package.json": JSON.stringify({ name: "mono", private: true, workspaces: globs }),
        // Installed: a package's own node_modules, and one a * glob reaches itself.
        "packages/core/node_modules/left-pad/package.json": JSON.stringify({ name: "left-pad" }),
        "packages/node_modules/package.json": JSON.stringify({ name: "hoisted" }),
        "packages/core/lib/inner/package.json": JSON.stringify({ name: "@m/inner" }),
      });
      const report = await detectAffected({ cwd: root, base: "HEAD" });
      const expected =
        globs[0] === "packages/**"
          ? ["@m/api", "@m/core", "@m/inner", "@m/ui"]
          : ["@m/api", "@m/core", "@m/ui"];
      expect(report.services.map((s) => s.name).sort()).toEqual(expected);
    }
  });

  it("reads the folders the workspace globs name: exclusions, a plain path, none without a package.json", async () => {
    const root = workspaceRepo();
    write(root, {
      "package.json": JSON.stringify({ workspaces: ["packages/*", "!packages/legacy", "./apps/api/"] }),
      "packages/legacy/package.json": JSON.stringify({ name: "@m/legacy" }),
      "packages/docs/README.md": "no package here\n",
      "apps/api/nested/package.json": JSON.stringify({ name: "@m/nested" }),
    });
    const report = await detectAffected({ cwd: root, base: "HEAD" });
    expect(report.services.map((s) => `${s.name} ${s.path}`)).toEqual([
      "@m/api apps/api",
      "@m/core packages/core",
    ]);
  });

  it("reads services from slipway.yaml paths when present", async () => {
    const root = workspaceRepo();
    write(root, {
      "slipway.yaml":
        "services:\n  web:\n    path: ./apps/ui\n  core:\n    path: packages/core\n  docs: {}\n",
    });
    commitAll(root, "config");
    write(root, { "packages/core/index.js": "changed\n" });
    const report = await detectAffected({ cwd: root, base: "HEAD" });
    expect(report.source).toBe("slipway.yaml");
    expect(report.services.map((s) => s.name)).toEqual(["web", "core"]);
    // web's package.json depends on @m/core, the package at core's path.
    expect(report.affected.sort()).toEqual(["core", "web"]);
  });

  it("says every service changed when the clone is shallow and the base is missing", async () => {
    const origin = workspaceRepo();
    write(origin, { "apps/api/index.js": "3\n" });
    commitAll(origin, "second");
    const clone = mkdtempSync(join(tmpdir(), "slipway-shallow-"));
    dirs.push(clone);
    execFileSync("git", ["clone", "-q", "--depth", "1", `file://${origin}`, clone]);
    const report = await detectAffected({ cwd: clone });
    expect(report.base.kind).toBe("everything");
    expect(report.base.kind === "everything" && report.base.why).toMatch(/shallow clone/);
    expect(report.affected).toHaveLength(3);
  });

  it("rejects an unknown base in a full clone", async () => {
    const root = workspaceRepo();
    await expect(detectAffected({ cwd: root, base: "no-such-branch" })).rejects.toThrow(AffectedInputError);
    await expect(detectAffected({ cwd: root, base: "no-such-branch" })).rejects.toThrow(
      /unknown revision "no-such-branch"/,
    );
  });

  it("names an invalid slipway.yaml as an input error", async () => {
    const root = workspaceRepo();
    write(root, { "slipway.yaml": "services: [unclosed\n" });
    await expect(detectAffected({ cwd: root })).rejects.toThrow(AffectedInputError);
    await expect(detectAffected({ cwd: root })).rejects.toThrow(/slipway\.yaml: not valid YAML/);
  });

  it("rejects a directory that is not a git repository", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-nogit-"));
    dirs.push(dir);
    await expect(detectAffected({ cwd: dir })).rejects.toThrow(/not inside a git repository/);
  });
});
