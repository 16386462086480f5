import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDirs } from "../pipelines/actions/builtin/test-context.js";
import { commitBundle, pruneSources, repositoryWith } from "./source.js";

const dirs = tempDirs();
const temp = (): string => dirs.make("slipway-runner-source-");
afterEach(() => dirs.cleanup());
const git = (cwd: string, ...args: string[]): string =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd })
    .toString()
    .trim();

describe("a runner's checkouts of commits", () => {
  it("keeps the ones used most recently and removes the others with their refs", async () => {
    const origin = temp();
    git(origin, "init", "--quiet");
    const shas: string[] = [];
    for (let i = 0; i < 3; i++) {
      git(origin, "commit", "--quiet", "--allow-empty", "-m", `c${i}`);
      shas.push(git(origin, "rev-parse", "HEAD"));
    }
    const bundles = join(temp(), "bundles");
    const work = temp();
    for (const [i, sha] of shas.entries()) {
      const repo = await repositoryWith(work, sha, async (file) => {
        execFileSync("cp", [await commitBundle(origin, sha, bundles), file]);
      });
      const source = join(work, "source", sha);
      git(repo, "worktree", "add", "--detach", "--quiet", source, sha);
      utimesSync(source, 1_000 + i, 1_000 + i); // used in this order
    }
    await pruneSources(work, 1);
    expect(readdirSync(join(work, "source"))).toEqual([shas[2]]);
    const repo = join(work, "repo");
    expect(git(repo, "for-each-ref", "--format=%(refname)", "refs/slipway/runner")).toBe(
      `refs/slipway/runner/${shas[2]}`,
    );
    expect(git(repo, "worktree", "list").split("\n")).toHaveLength(2); // the repository and the one kept
    expect(existsSync(join(bundles, `${shas[0]}.bundle`))).toBe(true);
  });
});
