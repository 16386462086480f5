/**
 * A real Slipway world for the dashboard's browser tests: a generated project (the rollout tests'
 * fixture app), a real `slipway proxy` process, and the real control plane (`serve`, the same code
 * as `slipway server`) serving the built dashboard from web/dist; plus headless Chromium through
 * playwright-core with the flags this machine needs (docs/dashboard.md).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { spawnProxy, type SpawnedProxy } from "../../src/proxy/admin-client.js";
import { serve, type RunningServer } from "../../src/server/serve.js";
import { projectYaml, START_SCRIPT, withoutBaselineTrigger } from "../rollouts/world.js";

export const REPO = resolve(import.meta.dirname, "../..");
export const WEB_DIST = join(REPO, "web/dist");
export const RESULTS_DIR = join(REPO, "test-results/web");
export const CHROMIUM = process.env.SLIPWAY_CHROMIUM ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Builds web/dist once per run when it is missing (npm test builds it before the tests). */
export function ensureDashboardBuilt(): void {
  if (existsSync(join(WEB_DIST, "index.html"))) return;
  execFileSync(process.execPath, [join(REPO, "scripts/build-web.mjs")], {
    stdio: "inherit",
    timeout: 120_000,
  });
}

export interface DashboardWorld {
  dir: string;
  server: RunningServer;
  proxy: SpawnedProxy;
  apiUrl: string;
  proxyUrl: string;
  /** The local admin's API token (`<data>/admin-token`). */
  adminToken: string;
  api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function startDashboardWorld(
  faults: Record<string, Record<string, string>> = {},
  yaml = withoutBaselineTrigger(projectYaml("4s")),
): Promise<DashboardWorld> {
  ensureDashboardBuilt();
  const dir = mkdtempSync(join(tmpdir(), "slipway-web-"));
  mkdirSync(join(dir, "web"));
  writeFileSync(join(dir, "slipway.yaml"), yaml);
  writeFileSync(join(dir, "web", "start.mjs"), START_SCRIPT);
  writeFileSync(join(dir, "web", "faults.json"), JSON.stringify(faults));
  let proxy: SpawnedProxy | undefined;
  let server: RunningServer | undefined;
  try {
    proxy = await spawnProxy({
      listen: "127.0.0.1:0",
      admin: "127.0.0.1:0",
      stateDir: join(dir, ".slipway/proxy"),
    });
    server = await serve({ dir, port: 0, tickMs: 100, webRoot: WEB_DIST });
  } catch (error) {
    await proxy?.stop(1000);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const adminToken = readFileSync(server.adminTokenFile, "utf8").trim();
  const running = server;
  const spawned = proxy;
  return {
    dir,
    server,
    proxy,
    apiUrl: server.apiUrl,
    proxyUrl: server.proxyUrl,
    adminToken,
    async api<T>(method: string, path: string, body?: unknown) {
      const res = await fetch(`${running.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    async close() {
      await running.close({ stopInstances: true });
      await spawned.stop(1000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium with a fresh profile (playwright-core makes a temporary one per launch). */
export function launchChromium(): Promise<Browser> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}
