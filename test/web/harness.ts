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
import { setTimeout as sleep } from "node:timers/promises";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { pino } from "pino";
import { afterAll, beforeAll } from "vitest";
import { spawnProxy, type SpawnedProxy } from "../../src/traffic/admin-client.js";
import { serve, type RunningServer } from "../../src/server/serve.js";
import { projectYaml, START_SCRIPT, WEB_SERVICE_YAML, withoutBaselineTrigger } from "../rollouts/world.js";

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

/**
 * @param workflows GitHub Actions workflows (file name → YAML): the project becomes a git repository
 *   with them committed on main, so the server can run them (`POST /api/runs`).
 */
export async function startDashboardWorld(
  faults: Record<string, Record<string, string>> = {},
  yaml = withoutBaselineTrigger(projectYaml("4s")),
  workflows: Record<string, string> = {},
): Promise<DashboardWorld> {
  ensureDashboardBuilt();
  const dir = mkdtempSync(join(tmpdir(), "slipway-web-"));
  mkdirSync(join(dir, "web"));
  writeFileSync(join(dir, "slipway.yaml"), yaml);
  writeFileSync(join(dir, "web", "start.mjs"), START_SCRIPT);
  writeFileSync(join(dir, "web", "faults.json"), JSON.stringify(faults));
  if (Object.keys(workflows).length > 0) commitWorkflows(dir, workflows);
  let proxy: SpawnedProxy | undefined;
  let server: RunningServer | undefined;
  try {
    proxy = await spawnProxy({
      listen: "127.0.0.1:0",
      admin: "127.0.0.1:0",
      stateDir: join(dir, ".slipway/proxy"),
    });
    // Warnings and errors only: the server's info lines would fill the test output.
    const logger = pino({ name: "server", level: "warn" });
    server = await serve({ dir, port: 0, tickMs: 100, webRoot: WEB_DIST, logger });
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
      const send = () =>
        fetch(`${running.apiUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(15_000),
        });
      let res = await send();
      // Seeding sends hundreds of requests: wait as the API's rate limit asks, like a polite client.
      while (res.status === 429) {
        await res.text();
        await new Promise((done) => setTimeout(done, Number(res.headers.get("retry-after") ?? 1) * 1000));
        res = await send();
      }
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

/** Who commits in a test project (git refuses to commit without a name). */
export const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "dora",
  GIT_AUTHOR_EMAIL: "dora@example.com",
  GIT_COMMITTER_NAME: "dora",
  GIT_COMMITTER_EMAIL: "dora@example.com",
};

function commitWorkflows(dir: string, workflows: Record<string, string>): void {
  mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
  for (const [name, text] of Object.entries(workflows))
    writeFileSync(join(dir, ".github", "workflows", name), text);
  writeFileSync(join(dir, ".gitignore"), ".slipway/\n");
  for (const args of [
    ["init", "-q", "-b", "main"],
    ["add", "."],
    ["commit", "-q", "-m", "initial"],
  ]) {
    execFileSync("git", args, { cwd: dir, env: GIT_ENV, stdio: "ignore" });
  }
}

/** Headless Chromium with a fresh profile (playwright-core makes a temporary one per launch). */
export function launchChromium(): Promise<Browser> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/**
 * A canary environment for the dashboard: 20 %, an analysis step (p95 latency vs stable through the
 * proxy, 8 measurements), 50 %, then a manual pause; background analysis of the error rate.
 */
export function canaryYaml(): string {
  return `project:
  name: shop
${WEB_SERVICE_YAML}environments:
  production:
    strategy: canary
    readinessTimeout: 8s
    scaleDownDelay: 1s
    drainTimeout: 2s
    steps:
      - setWeight: 20
      - analysis:
          metrics:
            - { name: latency p95 vs stable, provider: proxy, judge: ratio, statistic: latency-p95, maxRatio: 3, unit: ms, initialDelay: 1s, interval: 1s, count: 8, onInconclusive: wait }
      - setWeight: 50
      - pause: manual
    analysis:
      window: 2s
      interval: 500ms
      minRequests: 10
      triggers: { errorRate: false, latency: false, latencyVsBaseline: false, consecutiveHealthFailures: 3 }
      metrics:
        - { name: error rate, provider: proxy, judge: threshold, statistic: error-rate, max: 0.05, unit: ratio, interval: 1s, onInconclusive: wait }
`;
}

/**
 * Requests through the proxy one after another, `pauseMs` apart, until the returned function is
 * called (it resolves once the last request ends): traffic for a rollout's analysis to judge.
 */
export function steadyLoad(proxyUrl: string, pauseMs = 10): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      await fetch(proxyUrl, { signal: AbortSignal.timeout(5000) }).then(
        (r) => r.text(),
        () => undefined,
      );
      await sleep(pauseMs);
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(RESULTS_DIR, `${name}.png`), fullPage: true });
}

/** Page width at 1280 px: nothing may scroll sideways. (In-page code is a string: no DOM types here.) */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
}

/**
 * Interactive elements without an accessible name, by the rules that matter here: aria-labelledby,
 * aria-label, a <label>, text content, or title/alt. Returns the offenders' markup.
 */
export const UNNAMED_CONTROLS = `(() => {
  const nameOf = (el) => {
    const labelledBy = el.getAttribute("aria-labelledby");
    if (labelledBy) return labelledBy.split(/\\s+/).map((id) => document.getElementById(id)?.textContent ?? "").join(" ");
    if (el.getAttribute("aria-label")) return el.getAttribute("aria-label");
    if (el.labels && el.labels.length > 0) return [...el.labels].map((l) => l.textContent ?? "").join(" ");
    return el.textContent || el.getAttribute("title") || el.getAttribute("alt") || "";
  };
  return [...document.querySelectorAll("a[href], button, input, select, textarea, [tabindex]")]
    .filter((el) => el.getAttribute("type") !== "hidden" && nameOf(el).trim() === "")
    .map((el) => el.outerHTML.slice(0, 120));
})()`;

export async function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(UNNAMED_CONTROLS);
}

/** The focused element's text and outline style (a visible focus ring is not "none"). */
export async function focused(page: Page): Promise<{ text: string; outline: string }> {
  return page.evaluate<{ text: string; outline: string }>(
    `({ text: document.activeElement?.textContent ?? "", outline: getComputedStyle(document.activeElement).outlineStyle })`,
  );
}

/** A 1280 × 900 browser context signed in as `user` through POST /api/session. */
export async function signedInContext(
  browser: Browser,
  apiUrl: string,
  user: { name: string; password: string },
  viewport = { width: 1280, height: 900 },
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport });
  const res = await context.request.post(`${apiUrl}/api/session`, {
    data: { username: user.name, password: user.password },
  });
  if (res.status() !== 200) throw new Error(`sign-in as ${user.name}: ${res.status()} ${await res.text()}`);
  return context;
}

export interface DashboardSuite {
  world: () => DashboardWorld;
  browser: () => Browser;
  /** A browser context signed in as `user` (1280 × 900 unless told). */
  signedIn: (
    user: { name: string; password: string },
    viewport?: { width: number; height: number },
  ) => Promise<BrowserContext>;
  /** The same, with a page open in it. */
  signedInPage: (user: {
    name: string;
    password: string;
  }) => Promise<{ context: BrowserContext; page: Page }>;
}

/**
 * A dashboard world and Chromium for one test file: started before its tests, with steady traffic
 * through the proxy when `load` (from before `seed`, which runs once the world is up), and closed
 * after them.
 */
export function dashboardSuite(
  start: () => Promise<DashboardWorld>,
  options: { seed?: (world: DashboardWorld) => Promise<void>; load?: boolean; timeoutMs?: number } = {},
): DashboardSuite {
  let world: DashboardWorld | undefined;
  let browser: Browser | undefined;
  let stopLoad: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    world = await start();
    if (options.load) stopLoad = steadyLoad(world.proxyUrl);
    await options.seed?.(world);
    browser = await launchChromium();
  }, options.timeoutMs ?? 90_000);
  afterAll(async () => {
    await stopLoad?.();
    await browser?.close();
    await world?.close();
  }, 60_000);
  return {
    world: () => world!,
    browser: () => browser!,
    signedIn: (user, viewport) => signedInContext(browser!, world!.apiUrl, user, viewport),
    async signedInPage(user) {
      const context = await signedInContext(browser!, world!.apiUrl, user);
      return { context, page: await context.newPage() };
    },
  };
}

/**
 * A canary world (canaryYaml, v2 a little slower than v1) under steady load with Chromium: the
 * analysis judges, and the series records, what the proxy saw of each revision.
 */
export const canaryWorld = (): DashboardSuite =>
  dashboardSuite(
    () => startDashboardWorld({ v1: { LATENCY_MS: "20" }, v2: { LATENCY_MS: "24" } }, canaryYaml()),
    {
      load: true,
    },
  );
