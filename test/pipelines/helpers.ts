import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
export const CLI = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "slipway.js");

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Ada",
  GIT_AUTHOR_EMAIL: "ada@example.com",
  GIT_COMMITTER_NAME: "Ada",
  GIT_COMMITTER_EMAIL: "ada@example.com",
};

export interface TestRepo {
  dir: string;
  git(...args: string[]): string;
  /** Writes files and commits them; returns the new sha. */
  commit(files: Record<string, string>, message?: string): string;
  cleanup(): void;
}

/**
 * What one test file makes and throws away: temp folders and repositories (and anything given to
 * `onCleanup`), removed after each test, newest first.
 */
export function scratch(): {
  tempDir(prefix: string): string;
  repo(files: Record<string, string>, workflows?: string[]): TestRepo;
  onCleanup(cleanup: () => void | Promise<void>): void;
} {
  const cleanups: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    tempDir(prefix) {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      return dir;
    },
    repo(files, workflows = []) {
      const created = makeRepo(workflows, files);
      cleanups.push(() => created.cleanup());
      return created;
    },
    onCleanup: (cleanup) => void cleanups.push(cleanup),
  };
}

/** A temporary git repository on `main` whose first commit holds the given fixture workflows and files. */
export function makeRepo(workflows: string[], files: Record<string, string> = {}): TestRepo {
  const dir = mkdtempSync(join(tmpdir(), "slipway-test-repo-"));
  const git = (...args: string[]): string =>
    execFileSync("git", args, { cwd: dir, env: GIT_ENV, encoding: "utf8" }).trim();
  const write = (entries: Record<string, string>): void => {
    for (const [path, content] of Object.entries(entries)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
  };
  git("init", "-q", "-b", "main");
  const initial: Record<string, string> = {
    "README.md": "test repo\n",
    ".gitignore": ".slipway/\n",
    ...files,
  };
  for (const name of workflows)
    initial[`.github/workflows/${name}`] = readFileSync(join(FIXTURES, name), "utf8");
  write(initial);
  git("add", "-A");
  git("commit", "-q", "-m", "initial");
  return {
    dir,
    git,
    commit(entries, message = "change") {
      write(entries);
      git("add", "-A");
      git("commit", "-q", "-m", message);
      return git("rev-parse", "HEAD");
    },
    cleanup() {
      try {
        git("worktree", "prune");
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (npm run build first) with a time bound; the process group is killed on timeout. */
export function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: "1", CI: "true", ...options.env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      // Never kill(-0): that would signal the test runner's own process group.
      if (child.pid) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // gone
        }
      }
      reject(new Error(`slipway ${args.join(" ")} timed out\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** True while the process runs; a zombie (killed, not yet reaped by an init that never reaps) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).charAt(0) !== "Z";
  } catch {
    return false;
  }
}
