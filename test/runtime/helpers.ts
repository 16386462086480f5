/**
 * Shared set-up for runtime tests: a temporary state directory, specs running the fixture app,
 * and a cleanup that detaches every runtime and SIGKILLs every process group any test started.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LocalRuntime, type LocalRuntimeOptions } from "../../src/runtimes/local/index.js";
import type { Instance, InstanceState, Probe, RevisionSpec } from "../../src/runtimes/port.js";

export const FIXTURE_APP = fileURLToPath(new URL("../fixtures/apps/app.mjs", import.meta.url));

/** Fast probes so tests take seconds, not minutes. */
export const FAST_HTTP_READINESS: Probe = {
  check: { kind: "http", path: "/healthz" },
  initialDelayMs: 0,
  periodMs: 100,
  timeoutMs: 500,
  successThreshold: 1,
  failureThreshold: 2,
};

export const FAST_RESTARTS = { initialDelayMs: 100, maxDelayMs: 400, maxRestarts: 3, windowMs: 30_000 };

export class RuntimeHarness {
  readonly stateDir = mkdtempSync(join(tmpdir(), "slipway-runtime-"));
  readonly workDir = mkdtempSync(join(tmpdir(), "slipway-work-"));
  private readonly runtimes: LocalRuntime[] = [];
  private readonly pids = new Set<number>();

  runtime(options: Partial<LocalRuntimeOptions> = {}): LocalRuntime {
    const runtime = new LocalRuntime({
      stateDir: this.stateDir,
      restart: FAST_RESTARTS,
      adoptedPollMs: 100,
      ...options,
    });
    runtime.subscribe((event) => {
      if (event.instance.pid > 0) this.pids.add(event.instance.pid);
    });
    for (const revision of runtime.revisions())
      for (const i of runtime.instances(revision)) if (i.pid > 0) this.pids.add(i.pid);
    this.runtimes.push(runtime);
    return runtime;
  }

  spec(version: string, overrides: Partial<RevisionSpec> = {}): RevisionSpec {
    return {
      revisionId: `web/test@${version}`,
      service: "web",
      environment: "test",
      version,
      artifact: { kind: "directory", path: this.workDir },
      command: `exec "${process.execPath}" "${FIXTURE_APP}"`,
      env: { VERSION: version },
      replicas: 1,
      readiness: FAST_HTTP_READINESS,
      stopGraceMs: 2_000,
      ...overrides,
    };
  }

  async cleanup(): Promise<void> {
    await Promise.allSettled(this.runtimes.map((runtime) => runtime.detach()));
    for (const file of safeList(join(this.stateDir, "instances"))) {
      try {
        const record = JSON.parse(readFileSync(join(this.stateDir, "instances", file), "utf8")) as {
          pid: number;
        };
        if (record.pid > 0) this.pids.add(record.pid);
      } catch {
        // torn temp file
      }
    }
    for (const pid of this.pids) killGroup(pid);
    rmSync(this.stateDir, { recursive: true, force: true });
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name.endsWith(".json"));
  } catch {
    return [];
  }
}

export function killGroup(pid: number): void {
  // kill(-0) would signal our own group: the test runner itself
  if (!(pid > 1)) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Whether a process is running (zombies count as gone). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Poll `check` every 50 ms until it returns a value, or fail after `timeoutMs` with `what`. */
export async function eventually<T>(
  what: string,
  timeoutMs: number,
  check: () => T | undefined | false | Promise<T | undefined | false>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function states(instances: Instance[]): InstanceState[] {
  return instances.map((instance) => instance.state);
}

export async function getJson(
  port: number,
  path = "/",
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
