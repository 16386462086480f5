// Test helper (not shipped in the CLI bundle): an ActionContext that records what an action reports.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { ActionContext } from "../contract.js";
import { pipelineSettings } from "../../settings.js";

export interface RecordingContext extends ActionContext {
  outputs: Record<string, string>;
  logs: string[];
  warnings: string[];
  /** Directories the action put on PATH. */
  paths: string[];
}

export function makeContext(
  overrides: Partial<ActionContext> & { workspace: string; dataDir: string },
): RecordingContext {
  const outputs: Record<string, string> = {};
  const logs: string[] = [];
  const warnings: string[] = [];
  const paths: string[] = [];
  return {
    inputs: {},
    repoRoot: overrides.workspace,
    runId: "1",
    jobId: "job",
    github: { sha: "", ref: "refs/heads/main", eventName: "push", event: {} },
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
    log: (line) => logs.push(line),
    warning: (message) => warnings.push(message),
    setOutput: (name, value) => {
      outputs[name] = value;
    },
    state: new Map(),
    addPath: (dir) => paths.push(dir),
    // Nothing is downloaded unless a test gives its own settings: the mirrors are a closed port.
    settings: pipelineSettings({
      SLIPWAY_CACHE_DIR: join(tmpdir(), "slipway-test-unused-cache"),
      SLIPWAY_NODE_MIRROR: "http://127.0.0.1:9",
      SLIPWAY_NODE_NPM_REGISTRY: "http://127.0.0.1:9",
    }),
    signal: new AbortController().signal,
    ...overrides,
    outputs,
    logs,
    warnings,
    paths,
  };
}

/** Temp directories removed by `cleanup()` (call it in afterEach). */
export function tempDirs(): { make(prefix?: string): string; cleanup(): void } {
  const made: string[] = [];
  return {
    make(prefix = "slipway-action-") {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
    cleanup() {
      made.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }));
    },
  };
}

export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@example.com",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@example.com",
};

export function git(root: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd: root, encoding: "utf8", env: gitEnv }).trim();
}

export function commit(root: string, files: Record<string, string>, message: string): string {
  writeFiles(root, files);
  git(root, "add", "-A");
  git(root, "commit", "-q", "-m", message);
  return git(root, "rev-parse", "HEAD");
}
