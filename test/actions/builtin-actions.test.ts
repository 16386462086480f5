// Built-in actions through `slipway run`: outputs feeding later steps and jobs, a cache saved by one
// run and hit by the next, an artifact passed between jobs, and a remote action that cannot be fetched.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { GIT_ENV, git, jobsThatRan, runCli, type RunJson } from "../examples/helpers.js";
import { runCli as runBuiltCli } from "../pipelines/helpers.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) {
    try {
      git(dir, "worktree", "prune");
    } catch {
      // gone already
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

function repo(workflow: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "slipway-actions-"));
  dirs.push(dir);
  const all = {
    ".gitignore": ".slipway/\n",
    [`.github/workflows/${workflow}`]: readFileSync(join(FIXTURES, workflow), "utf8"),
    ...files,
  };
  for (const [path, content] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  execFileSync("git", ["init", "-q", "-b", "main"], { cwd: dir, env: GIT_ENV });
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "initial");
  return dir;
}

function commit(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content);
  git(dir, "commit", "-qam", "change");
}

describe("built-in actions in a workflow", () => {
  it("filters changes into a matrix, passes an artifact, and hits the cache on the next run", async () => {
    const dir = repo("actions.yml", { "api/server.js": "1\n", "web/index.html": "1\n" });
    commit(dir, { "api/server.js": "2\n" });

    const first = await runCli(["run", "--json"], dir, 180_000);
    expect(first.code, first.stderr.slice(-3000)).toBe(0);
    const run1 = JSON.parse(first.stdout) as RunJson;
    expect(jobsThatRan(run1)).toEqual(["consume[api]", "produce"]);
    expect(run1.jobs.find((j) => j.id === "produce")?.outputs).toMatchObject({
      hit: "false",
      changes: '["api"]',
    });
    const logs1 = await runCli(["logs", run1.runId, "--job", "consume"], dir);
    expect(logs1.stdout).toMatch(new RegExp(`node ${process.version.replace(/\./g, "\\.")}`));
    expect(logs1.stdout).toMatch(/api=true web=false/);
    expect(logs1.stdout).toMatch(/deep/);
    const produceLogs = await runCli(["logs", run1.runId, "--job", "produce"], dir);
    expect(produceLogs.stdout).toMatch(/Cache saved with key: build-/);

    // Same api/ content: the cache key is the same, so the second run restores it exactly.
    commit(dir, { "web/index.html": "2\n" });
    const second = await runCli(["run", "--json"], dir, 180_000);
    expect(second.code, second.stderr.slice(-3000)).toBe(0);
    const run2 = JSON.parse(second.stdout) as RunJson;
    expect(jobsThatRan(run2)).toEqual(["consume[web]", "produce"]);
    expect(run2.jobs.find((j) => j.id === "produce")?.outputs).toMatchObject({ hit: "true" });
  }, 400_000);

  it("fails a remote action that cannot be downloaded when its step runs, naming it", async () => {
    const dir = repo("remote.yml", {});
    const result = await runBuiltCli(["run", "--json"], {
      cwd: dir,
      env: {
        SLIPWAY_ACTIONS_SERVER_URL: "http://127.0.0.1:9",
        SLIPWAY_CACHE_DIR: join(dir, ".slipway", "cache-home"),
      },
      timeoutMs: 120_000,
    });
    expect(result.code).toBe(1);
    const run = JSON.parse(result.stdout) as RunJson;
    expect(run.jobs[0]?.steps).toEqual([
      expect.objectContaining({ name: "Run aquasecurity/trivy-action@master", conclusion: "failure" }),
    ]);
    const logs = await runCli(["logs", run.runId], dir);
    expect(logs.stdout).toMatch(/cannot resolve aquasecurity\/trivy-action@master/);
  }, 200_000);
});
