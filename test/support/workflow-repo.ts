import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** git in `dir`, as a fixed author (so commits do not depend on the machine's git config). */
export const git = (dir: string, ...args: string[]): string =>
  execFileSync("git", args, {
    cwd: dir,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "alice",
      GIT_AUTHOR_EMAIL: "alice@example.com",
      GIT_COMMITTER_NAME: "alice",
      GIT_COMMITTER_EMAIL: "alice@example.com",
    },
  }).trim();

/**
 * Makes a project folder a git repository on branch main whose one commit holds `workflows` (file
 * name → YAML, under .github/workflows) and whatever else is in the folder (.slipway/ ignored).
 * Returns the commit.
 */
export function commitWorkflows(dir: string, workflows: Record<string, string>): string {
  mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
  for (const [name, text] of Object.entries(workflows)) {
    writeFileSync(join(dir, ".github", "workflows", name), text);
  }
  writeFileSync(join(dir, ".gitignore"), ".slipway/\n");
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "initial");
  return git(dir, "rev-parse", "HEAD");
}
