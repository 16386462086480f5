import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli as runBuiltCli, type CliResult } from "../pipelines/helpers.js";
import { until } from "../proxy/helpers.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const EXAMPLES = join(ROOT, "examples");

export const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Ada",
  GIT_AUTHOR_EMAIL: "ada@example.com",
  GIT_COMMITTER_NAME: "Ada",
  GIT_COMMITTER_EMAIL: "ada@example.com",
};

export function git(dir: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd: dir, env: GIT_ENV, encoding: "utf8" }).trim();
}

/** Creates an example repository with its own create-repo script into a fresh temp directory. */
export function createExample(name: string): { dir: string; cleanup(): void } {
  const parent = mkdtempSync(join(tmpdir(), `slipway-example-${name}-`));
  const dir = join(parent, name);
  execFileSync(process.execPath, [join(EXAMPLES, name, "create-repo.mjs"), dir], {
    stdio: "pipe",
    env: GIT_ENV,
  });
  return {
    dir,
    cleanup() {
      try {
        git(dir, "worktree", "prune");
      } catch {
        // the repository is already gone
      }
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

/** Runs the built CLI (npm run build first); examples get a generous bound, their pipelines build real apps. */
export function runCli(args: string[], cwd: string, timeoutMs = 240_000): Promise<CliResult> {
  return runBuiltCli(args, { cwd, timeoutMs });
}

export interface RunJson {
  runId: string;
  conclusion: string;
  jobs: {
    id: string;
    name: string;
    matrix: Record<string, string> | null;
    conclusion: string;
    outputs?: Record<string, string>;
    steps: { name: string; conclusion: string }[];
  }[];
}

/** "build[content]" style labels of the jobs that ran (not skipped), sorted. */
export function jobsThatRan(run: RunJson): string[] {
  return run.jobs
    .filter((job) => job.conclusion !== "skipped")
    .map((job) => (job.matrix ? `${job.id}[${Object.values(job.matrix).join(",")}]` : job.id))
    .sort();
}

const WIDGET_PLATFORMS = ["shopify", "magento", "woocommerce", "html"];

/** Lets the widget-platform example build with this repository's esbuild (the version it pins). */
export function linkEsbuild(dir: string): void {
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(join(ROOT, "node_modules", "esbuild"), join(dir, "node_modules", "esbuild"));
}

/** The widget-platform example's own build script for its four widgets, as `version`. */
export function buildWidgets(dir: string, version: string): void {
  const pkg = join(dir, "package.json");
  writeFileSync(pkg, JSON.stringify({ ...JSON.parse(readFileSync(pkg, "utf8")), version }, null, 2));
  for (const platform of WIDGET_PLATFORMS)
    execFileSync(process.execPath, ["scripts/build-widget.mjs", platform], { cwd: dir, stdio: "pipe" });
}

/** The traffic URL of the proxy a project's `slipway proxy` / `slipway up` started (its proxy.json). */
export async function proxyUrlOf(dir: string): Promise<string> {
  const info = await until(
    () => {
      try {
        return JSON.parse(readFileSync(join(dir, ".slipway/proxy/proxy.json"), "utf8")) as { listen: string };
      } catch {
        return undefined;
      }
    },
    "proxy.json",
    20_000,
  );
  return `http://${info?.listen ?? ""}`;
}
