/**
 * The data planes the traffic benchmarks drive, each through the traffic port (src/traffic/port.ts):
 * a benchmark applies route tables with `admin.applyRoutes` and reads `admin.stats`, whatever the
 * provider. Bundled for plain Node by bench/lib/proxy-bench.mjs (loadProviders). To measure another provider, add a
 * factory here under its `--provider` name.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ProxyAdminClient } from "../../src/traffic/admin-client.js";
import { readProxyInfo } from "../../src/traffic/info.js";
import type { DataPlaneAdmin } from "../../src/traffic/port.js";

export interface BenchDataPlane {
  /** What the control plane's TrafficRouter drives. */
  admin: DataPlaneAdmin;
  /** Where traffic enters, `http://host:port`. */
  url: string;
  /** Stops the data plane and whatever it started. */
  close(): Promise<void>;
}

export interface ProviderOptions {
  /** The repository root (bin/, dist/). */
  root: string;
  /** An empty directory the provider may keep its state in. */
  stateDir: string;
  /** Processes or threads routing traffic, where the provider has such a knob. */
  workers: number;
}

export type ProviderFactory = (opts: ProviderOptions) => Promise<BenchDataPlane>;

export const providers: Record<string, ProviderFactory> = {
  builtin: (opts) => startProxy(opts, "builtin"),
  haproxy: (opts) => startProxy(opts, "haproxy"),
};

/**
 * Slipway's HAProxy runs detached (its own session, so its own autogroup at nice 0): give that
 * group the benchmark's priority, or the figures measure the scheduler's share, not HAProxy.
 */
function matchAutogroup(stateDir: string): void {
  try {
    const master = Number(readFileSync(join(stateDir, "haproxy", "master.pid"), "utf8"));
    const nice = /nice (-?\d+)/.exec(readFileSync("/proc/self/autogroup", "utf8"))?.[1];
    if (nice !== undefined) writeFileSync(`/proc/${master}/autogroup`, nice);
  } catch {
    /* not root, or no autogroup: the default */
  }
}

/**
 * `slipway proxy --data-plane <kind>` (dist/proxy.js) on ephemeral ports, driven through its
 * ProxyAdminClient. Not detached, unlike spawnProxy: a detached process gets its own Linux
 * autogroup, and the benchmark would then measure the scheduler's share instead of the proxy
 * (bench/RESULTS.md, method lessons). `workers`: Node workers (builtin) or HAProxy threads.
 */
async function startProxy(
  { root, stateDir, workers }: ProviderOptions,
  dataPlane: "builtin" | "haproxy",
): Promise<BenchDataPlane> {
  mkdirSync(stateDir, { recursive: true });
  const token = "bench-token";
  const child = spawn(
    process.execPath,
    [
      join(root, "dist/proxy.js"),
      "proxy",
      "--listen",
      "127.0.0.1:0",
      "--admin",
      "127.0.0.1:0",
      "--state-dir",
      stateDir,
      "--workers",
      String(workers),
      "--data-plane",
      dataPlane,
    ],
    {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, SLIPWAY_PROXY_TOKEN: token, SLIPWAY_LOG_LEVEL: "warn" },
    },
  );
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const info = readProxyInfo(stateDir);
    if (info && info.pid === child.pid) {
      const admin = new ProxyAdminClient({ url: info.adminUrl, token });
      try {
        await admin.health();
        if (dataPlane === "haproxy") matchAutogroup(stateDir);
        const stop = async () => {
          await admin.close();
          await close();
        };
        return { admin, url: `http://${info.listen}`, close: stop };
      } catch {
        /* not answering yet */
      }
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await close();
      throw new Error("slipway proxy did not start");
    }
    await sleep(50);
  }
}
