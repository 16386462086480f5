import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, closeSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { SlipwayError } from "../core/errors.js";
import { ProxyAdminClient } from "./admin-client.js";
import { resolveAdminToken } from "./admin-token.js";
import { readProxyInfo } from "./info.js";

export { PROXY_INFO_FILE, readProxyInfo, type DataPlaneKind, type ProxyInfo } from "./info.js";
import type { DataPlaneKind } from "./info.js";

export const PROXY_LOG_FILE = "proxy.log";

export interface SpawnProxyOptions {
  listen: string;
  admin: string;
  stateDir: string;
  workers?: number;
  /** Which data plane `slipway proxy` runs; default builtin. */
  dataPlane?: DataPlaneKind;
  /** Extra environment (SLIPWAY_PROXY_TOKEN, SLIPWAY_LOG_LEVEL...). */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for /v1/health; default 15 s. */
  readyTimeoutMs?: number;
  /**
   * A command that runs the proxy in its place, exec'ing it so the pid stays the proxy's, e.g.
   * `["ip", "netns", "exec", "ns1"]` to start it in a network namespace (tests, benchmarks).
   */
  launcher?: string[];
}

export interface SpawnedProxy {
  pid: number;
  listen: string;
  adminUrl: string;
  token: string;
  client: ProxyAdminClient;
  /** SIGTERM to the proxy's process group, SIGKILL after `graceMs` (default 5 s). */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `slipway proxy` as a detached process (its own process group, so it outlives the caller,
 * as `slipway up` needs) logging to `<stateDir>/proxy.log`, and resolves once its admin API
 * answers /v1/health.
 */
export async function spawnProxy(opts: SpawnProxyOptions): Promise<SpawnedProxy> {
  const stateDir = resolve(opts.stateDir);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const env = { ...process.env, ...opts.env };
  // Create the token before the child does, so both sides agree without a race.
  const token = resolveAdminToken(stateDir, env);
  const log = openSync(join(stateDir, PROXY_LOG_FILE), "a", 0o600);
  const args = [
    ...proxyEntry(),
    "proxy",
    "--listen",
    opts.listen,
    "--admin",
    opts.admin,
    "--state-dir",
    stateDir,
  ];
  if (opts.workers !== undefined) args.push("--workers", String(opts.workers));
  if (opts.dataPlane !== undefined) args.push("--data-plane", opts.dataPlane);
  const [command, ...prefix] = [...(opts.launcher ?? []), process.execPath];
  const child = spawn(command ?? process.execPath, [...prefix, ...args], {
    detached: true,
    stdio: ["ignore", log, log],
    env,
  });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new SlipwayError("SLIPWAY_UNAVAILABLE", "could not start slipway proxy");
  let exited: number | string | null | undefined;
  child.once("exit", (code, signal) => (exited = code ?? signal));
  child.unref();

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new SlipwayError(
        "SLIPWAY_UNAVAILABLE",
        `slipway proxy exited (${exited}) at start: ${logTail(stateDir)}`,
      );
    }
    const info = readProxyInfo(stateDir);
    if (info?.pid === pid) {
      const client = new ProxyAdminClient({ url: info.adminUrl, token });
      try {
        await client.health();
        return {
          pid,
          listen: info.listen,
          adminUrl: info.adminUrl,
          token,
          client,
          stop: (graceMs) => stopProcessGroup(pid, graceMs, client),
        };
      } catch {
        await client.close();
      }
    }
    await sleep(50);
  }
  await stopProcessGroup(pid, 0);
  throw new SlipwayError(
    "SLIPWAY_UNAVAILABLE",
    `slipway proxy did not become healthy in time: ${logTail(stateDir)}`,
  );
}

async function stopProcessGroup(pid: number, graceMs = 5_000, client?: ProxyAdminClient): Promise<void> {
  await client?.close().catch(() => undefined);
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      return false;
    }
  };
  if (!signal("SIGTERM")) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(25);
  }
  signal("SIGKILL");
  while (isAlive(pid)) await sleep(25);
}

/** True while `pid` runs (a zombie, killed but not yet reaped by its parent, counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); /proc says whether it has really run to the end.
  try {
    return !/^\d+ \([^)]*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

function logTail(stateDir: string): string {
  try {
    return (
      readFileSync(join(stateDir, PROXY_LOG_FILE), "utf8").trim().split("\n").slice(-5).join(" | ") ||
      "(empty log)"
    );
  } catch {
    return "(no log)";
  }
}

/**
 * dist/proxy.js (the proxy alone: it starts faster than the whole CLI) when built, else
 * bin/slipway.js; both take the same `proxy` arguments.
 */
function proxyEntry(): string[] {
  const bin = slipwayBin();
  const bundle = join(dirname(dirname(bin)), "dist", "proxy.js");
  return [existsSync(bundle) ? bundle : bin];
}

/** bin/slipway.js of this installation, found from this module's location (source or bundle). */
function slipwayBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "bin", "slipway.js");
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir)
      throw new SlipwayError("SLIPWAY_UNAVAILABLE", "cannot find bin/slipway.js to start the proxy");
    dir = parent;
  }
}
