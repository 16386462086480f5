import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const BIN = resolve(import.meta.dirname, "../../bin/slipway.js");
export const isRoot = process.getuid?.() === 0;
/** Why the mount-based tests are skipped when they are. */
export const NOT_ROOT = "needs root to mount a small tmpfs or a read-only bind mount";

/** A project folder with a one-service slipway.yaml; the caller removes it. */
export function makeProject(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `slipway-${prefix}-`));
  mkdirSync(join(dir, "web"));
  writeFileSync(
    join(dir, "slipway.yaml"),
    "project:\n  name: faults\nservices:\n  web:\n    path: web\n    start: node start.mjs\nenvironments:\n  production: {}\n",
  );
  return dir;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to its end (bounded). */
export function runCli(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, SLIPWAY_LOG_LEVEL: "warn", NO_COLOR: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`slipway ${args.join(" ")} did not end in ${timeoutMs} ms: ${stdout}${stderr}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      ok({ code, stdout, stderr });
    });
  });
}

export interface RunningUp {
  child: ChildProcess;
  api: string;
  token: string;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** Starts `slipway up` and resolves once it prints its API URL. */
export async function startUp(dir: string): Promise<RunningUp> {
  const child = spawn(process.execPath, [BIN, "up", "--dir", dir, "--port", "0", "--proxy-port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, SLIPWAY_LOG_LEVEL: "warn", NO_COLOR: "1" },
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const api = /API\s+(http:\/\/\S+)/.exec(out)?.[1];
    if (api) {
      const token = readFileSync(join(dir, ".slipway", "admin-token"), "utf8").trim();
      return {
        child,
        api,
        token,
        output: () => out,
        stop: async () => {
          if (child.exitCode === null) child.kill("SIGTERM");
          await exited;
        },
      };
    }
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  child.kill("SIGKILL");
  throw new Error(`slipway up did not start: ${out}`);
}

/**
 * Live (not zombie) processes whose command line names `<dir>/.slipway/proxy`: the proxy of the
 * project, however started. An empty list once a failed `slipway up` has exited = nothing orphaned.
 */
export function proxyProcesses(dir: string): number[] {
  const needle = join(dir, ".slipway", "proxy");
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      const state = /^\d+ \([^)]*\) (\S)/.exec(readFileSync(`/proc/${entry}/stat`, "utf8"))?.[1];
      if (state !== "Z" && cmdline.includes(needle)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Kills what a test left of the project's proxy, then removes the folder. */
export function cleanUp(dir: string): void {
  for (const pid of proxyProcesses(dir)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Mounts a tmpfs of `size` (e.g. "4m") at `dir` (created). */
export function mountTmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", dir]);
}

/** Makes `dir` a read-only bind mount of itself (root ignores permission bits, not a read-only mount). */
export function bindReadOnly(dir: string): void {
  execFileSync("mount", ["--bind", dir, dir]);
  execFileSync("mount", ["-o", "remount,bind,ro", dir]);
}

export function unmount(dir: string): void {
  try {
    execFileSync("umount", ["-l", dir]);
  } catch {
    // not mounted (the test failed before mounting)
  }
}

/** Writes zeros to `file` until its file system is full (ENOSPC), down to single pages. */
export function fillDisk(file: string): void {
  const fd = openSync(file, "a");
  try {
    for (const size of [1024 * 1024, 64 * 1024, 4096, 512]) {
      const chunk = Buffer.alloc(size);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}
