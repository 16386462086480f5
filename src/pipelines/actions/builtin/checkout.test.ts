import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkoutAction } from "./checkout.js";
import { commit, git, makeContext, tempDirs, writeFiles } from "./test-context.js";

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

/** A repository with two commits and a job workspace that an earlier checkout made a worktree at the second. */
function setup() {
  const repoRoot = dirs.make("slipway-co-");
  git(repoRoot, "init", "-q", "-b", "main");
  const first = commit(repoRoot, { "app.js": "v1" }, "one");
  git(repoRoot, "tag", "v1.0.0");
  const second = commit(repoRoot, { "app.js": "v2" }, "two");
  const workspace = join(dirs.make("slipway-ws-"), "ws");
  git(repoRoot, "worktree", "add", "-q", "--detach", workspace, second);
  return { repoRoot, workspace, first, second };
}

describe("actions/checkout", { timeout: 60_000 }, () => {
  it("makes the job's empty workspace a worktree of the run's commit, replacing what steps wrote there", async () => {
    const { repoRoot, second } = setup();
    const workspace = join(dirs.make("slipway-ws-"), "workspace-fresh");
    writeFiles(workspace, { "before-checkout.txt": "x", "dir/nested.txt": "y" });
    const ctx = makeContext({
      workspace,
      repoRoot,
      dataDir: dirs.make(),
      github: { sha: second, ref: "refs/heads/main", eventName: "push", event: {} },
    });
    await checkoutAction.run(ctx);
    expect(readFileSync(join(workspace, "app.js"), "utf8")).toBe("v2");
    expect(existsSync(join(workspace, "before-checkout.txt"))).toBe(false);
    expect(existsSync(join(workspace, "dir"))).toBe(false);
    expect(git(workspace, "rev-parse", "HEAD")).toBe(second);
    expect(git(repoRoot, "worktree", "list")).toContain("workspace-fresh");
    expect(ctx.outputs).toEqual({ ref: "refs/heads/main", commit: second });
  });

  it("leaves the workspace at the run's commit, cleaning stray files", async () => {
    const { repoRoot, workspace, second } = setup();
    writeFiles(workspace, { "stray.txt": "x" });
    const ctx = makeContext({
      workspace,
      repoRoot,
      dataDir: dirs.make(),
      github: { sha: second, ref: "refs/heads/main", eventName: "push", event: {} },
    });
    await checkoutAction.run(ctx);
    expect(existsSync(join(workspace, "stray.txt"))).toBe(false);
    expect(ctx.outputs).toEqual({ ref: "refs/heads/main", commit: second });
  });

  it("moves the workspace to another ref", async () => {
    const { repoRoot, workspace, first, second } = setup();
    const ctx = makeContext({
      workspace,
      repoRoot,
      dataDir: dirs.make(),
      inputs: { ref: "v1.0.0" },
      github: { sha: second, ref: "refs/heads/main", eventName: "push", event: {} },
    });
    await checkoutAction.run(ctx);
    expect(readFileSync(join(workspace, "app.js"), "utf8")).toBe("v1");
    expect(ctx.outputs.commit).toBe(first);
  });

  it("checks out into a path with full history", async () => {
    const { repoRoot, workspace, first, second } = setup();
    const ctx = makeContext({
      workspace,
      repoRoot,
      dataDir: dirs.make(),
      inputs: { path: "other", ref: first },
      github: { sha: second, ref: "refs/heads/main", eventName: "push", event: {} },
    });
    await checkoutAction.run(ctx);
    expect(readFileSync(join(workspace, "other/app.js"), "utf8")).toBe("v1");
    expect(git(join(workspace, "other"), "rev-list", "--count", "HEAD")).toBe("1");
    expect(readFileSync(join(workspace, "app.js"), "utf8")).toBe("v2");
  });

  it("fails on an unknown ref, a path outside the workspace, and another repository", async () => {
    const { repoRoot, workspace, second } = setup();
    const github = { sha: second, ref: "refs/heads/main", eventName: "push", event: {} };
    const base = { workspace, repoRoot, dataDir: dirs.make(), github };
    await expect(checkoutAction.run(makeContext({ ...base, inputs: { ref: "nope" } }))).rejects.toThrow(
      /ref "nope" is not a branch, tag or commit/,
    );
    await expect(checkoutAction.run(makeContext({ ...base, inputs: { path: "../escape" } }))).rejects.toThrow(
      /outside the workspace/,
    );
    await expect(
      checkoutAction.run(makeContext({ ...base, inputs: { repository: "octo/other" } })),
    ).rejects.toThrow(/octo\/other.*not supported/);
  });
});
