/**
 * Every dashboard page laid out at a phone's width (390 × 844) and a laptop's (1280 × 800), in
 * headless Chromium against a real world with realistic data: rollouts (one paused mid-canary with
 * its analysis charts, finished ones, a staging one through a channel), a few hundred audit events,
 * a finished pipeline run, flags, an experiment with traffic, channels, release evidence under a
 * policy and dead letters. Each page is measured (test/web/layout.ts: no sideways page scroll, no
 * element past the page's edge outside a scrolling box, no overlapping controls or badges, no
 * heading broken inside a word, a bounded height) and kept as a screenshot in
 * test-results/layout/<page>-<width>.png.
 */
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { canaryYaml, dashboardSuite, REPO, startDashboardWorld, type DashboardWorld } from "./harness.js";
import { layoutProblems, MAX_PAGE_HEIGHT } from "./layout.js";

const SHOTS = join(REPO, "test-results/layout");
const USER = { name: "lena", password: "layout deployer pass", role: "deployer" };
const VIEWPORTS = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
];

/** Two jobs, one needing the other, a log line longer than a phone is wide, a step summary. */
const CI = `name: CI
on: { workflow_dispatch: {} }
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "one-long-word-$(printf 'x%.0s' $(seq 1 200))"
  test:
    needs: [build]
    runs-on: ubuntu-latest
    steps:
      - run: echo "### 3 tests passed" >> "$GITHUB_STEP_SUMMARY"
`;

/** The harness's canary production, plus a blue-green staging, a policy in eu, channels, a webhook. */
function yaml(hookUrl: string): string {
  return `${canaryYaml()}  staging:
    readinessTimeout: 8s
    services:
      web: { replicas: 1, routes: [{ hosts: [staging.shop.example] }] }
  eu:
    services:
      web: { replicas: 1, routes: [{ hosts: [eu.shop.example] }] }
    policy: { require: [tests, coverage, sast], minCoverage: 90 }
channels:
  stable: { strategy: blue-green, environment: staging, description: what customers get }
  alpha: { strategy: flag, flag: web-release, variant: alpha }
notifications:
  retry: { maxAttempts: 1 }
  channels:
    - { name: audit-sink, kind: webhook, url: "${hookUrl}" }
`;
}

/** A loopback port nothing listens on: the webhook's notifications fail and become dead letters. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  await new Promise((ok) => server.close(ok));
  return port;
}

const ids = { finished: "", running: "", run: "" };

async function phaseOf(id: string): Promise<string> {
  return (await world().api<{ rollout: { phase: string } }>("GET", `/api/rollouts/${id}`)).body.rollout.phase;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await check()); await sleep(100)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

async function deploy(version: string): Promise<string> {
  const res = await world().api<{ rollout: { id: string } }>("POST", "/api/deployments", {
    service: "web",
    environment: "production",
    version,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.rollout.id;
}

/** Exposures split evenly and purchases at 30 % (on) and 10 % (off). */
function traffic(flagKey: string, users: number) {
  const timestamp = new Date().toISOString();
  return Array.from({ length: users }, (_, i) => {
    const variant = i % 2 === 0 ? "on" : "off";
    const user = `u-${i}`;
    const events: unknown[] = [
      { kind: "exposure", flagKey, variant, reason: "TARGETING_MATCH", targetingKey: user, timestamp },
    ];
    if (i % 20 < (variant === "on" ? 6 : 2))
      events.push({ kind: "conversion", name: "purchase", targetingKey: user, details: {}, timestamp });
    return events;
  }).flat();
}

async function seed(w: DashboardWorld): Promise<void> {
  expect((await w.api("POST", "/api/users", USER)).status).toBe(201);
  // A rule and a split (drawn as a bar), and a key longer than a phone's table column.
  const split = (on: number) => [
    ["on", on],
    ["off", 100 - on],
  ];
  const base = { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "off" };
  const checkout = {
    ...base,
    targeting: { if: [{ ends_with: [{ var: "email" }, "@shop.example"] }, "on", { fractional: split(10) }] },
  };
  const release = {
    state: "ENABLED",
    variants: { stable: "v1", alpha: "v1" },
    defaultVariant: "stable",
    targeting: { if: [{ "==": [{ var: "group" }, "alpha"] }, "alpha", "stable"] },
  };
  for (const [key, flag] of [
    ["new-checkout-flow-for-returning-customers", checkout],
    ["checkout", { ...base, targeting: { fractional: split(50) } }],
    ["web-release", release],
  ] as const) {
    expect((await w.api("PUT", `/api/flags/${key}`, { flag, reason: "launch to 10%" })).status).toBe(201);
  }
  const experiment = {
    key: "checkout-ab",
    flag: "checkout",
    metrics: [{ event: "purchase", kind: "conversion" }],
    reason: "does one-page checkout sell more",
  };
  expect((await w.api("POST", "/api/experiments", experiment)).status).toBe(201);
  expect((await w.api("POST", "/api/experiments/checkout-ab/start", { reason: "go" })).status).toBe(200);
  const events = traffic("checkout", 2000);
  for (let i = 0; i < events.length; i += 1000)
    expect((await w.api("POST", "/api/flags/events", { events: events.slice(i, i + 1000) })).status).toBe(
      202,
    );

  const lcov = "TN:\nSF:src/price.js\nDA:1,1\nDA:2,1\nDA:3,0\nDA:4,1\nLF:4\nLH:3\nend_of_record\n";
  const evidence = { file: "lcov.info", content: lcov, runId: 41, job: "test" };
  const attached = await w.api("POST", "/api/releases/web/v7/evidence", evidence);
  expect(attached.status, JSON.stringify(attached.body)).toBe(201);

  const started = await w.api<{ run: { runId: string } }>("POST", "/api/runs", { workflow: "ci.yml" });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  ids.run = started.body.run.runId;

  // A finished rollout, then a few hundred audit events (re-deploys of the live version are
  // recorded as deploy.noop): more than the history page shows at once.
  ids.finished = await deploy("v1");
  await waitFor("v1 promoted", async () => (await phaseOf(ids.finished)) === "promoted");
  for (let i = 0; i < 240; i++) {
    const res = await w.api("POST", "/api/deployments", {
      service: "web",
      environment: "production",
      version: "v1",
    });
    expect(res.status).toBeLessThan(300);
  }
  expect(
    (
      await w.api("POST", "/api/channels/stable/moves", {
        service: "web",
        version: "v1",
        reason: "first release",
      })
    ).status,
  ).toBe(202);
  expect(
    (
      await w.api("POST", "/api/channels/alpha/moves", {
        service: "web",
        version: "v2-rc1",
        reason: "alpha tries v2",
      })
    ).status,
  ).toBe(202);

  // The rollout in progress: a canary paused at 50 %, with its analysis charts.
  ids.running = await deploy("v2");
  await waitFor("v2 paused", async () => (await phaseOf(ids.running)) === "paused", 90_000);
  await waitFor("the run to end", async () => {
    const run = await w.api<{ run: { status: string } }>("GET", `/api/runs/${ids.run}`);
    return run.body.run.status !== "running" && run.body.run.status !== "queued";
  });
  await waitFor("dead letters", async () => {
    const res = await w.api<{ total: number }>("GET", "/api/dead-letters");
    return res.body.total >= 2;
  });
}

const { world, browser } = dashboardSuite(
  async () => {
    mkdirSync(SHOTS, { recursive: true });
    const hook = `http://127.0.0.1:${await closedPort()}/hook`;
    return startDashboardWorld({ v1: { LATENCY_MS: "5" }, v2: { LATENCY_MS: "6" } }, yaml(hook), {
      "ci.yml": CI,
    });
  },
  // Steady traffic (from before the seeding): the canary's analysis judges what the proxy saw.
  { load: true, seed, timeoutMs: 240_000 },
);

interface Visit {
  name: string;
  path: () => string;
  /** What shows once the page has its data. */
  ready: (page: Page) => Promise<unknown>;
  /** Opens what the page hides behind a click (an edit form). */
  then?: (page: Page) => Promise<unknown>;
}

const rows = (page: Page) => page.locator("main tbody tr").first().waitFor();
const VISITS: Visit[] = [
  { name: "overview", path: () => "/", ready: (p) => p.getByTestId("overview").waitFor() },
  { name: "history", path: () => "/history", ready: rows },
  {
    name: "rollout-running",
    path: () => `/rollouts/${ids.running}`,
    ready: (p) => p.locator("svg.chart").first().waitFor(),
  },
  {
    name: "rollout-finished",
    path: () => `/rollouts/${ids.finished}`,
    ready: (p) => p.getByTestId("phase").waitFor(),
  },
  { name: "pipelines", path: () => "/pipelines", ready: rows },
  {
    name: "pipeline-run",
    path: () => `/pipelines/${ids.run}`,
    ready: (p) => p.getByRole("region", { name: "summary of test" }).waitFor(),
  },
  { name: "flags", path: () => "/flags", ready: rows },
  {
    name: "flag-detail",
    path: () => "/flags/new-checkout-flow-for-returning-customers",
    ready: (p) => p.getByTestId("targeting").waitFor(),
  },
  {
    name: "flag-edit",
    path: () => "/flags/new-checkout-flow-for-returning-customers",
    ready: (p) => p.getByTestId("targeting").waitFor(),
    then: async (p) => {
      await p.getByText("Edit definition").click();
      await p.getByRole("form", { name: /^Edit / }).waitFor();
    },
  },
  { name: "experiments", path: () => "/experiments", ready: rows },
  {
    name: "experiment-detail",
    path: () => "/experiments/checkout-ab",
    ready: (p) => p.getByTestId("metric-purchase").locator("svg").first().waitFor(),
  },
  { name: "channels", path: () => "/channels", ready: (p) => p.getByTestId("channels").waitFor() },
  { name: "evidence", path: () => "/releases/web/v7", ready: (p) => p.locator(".verdict").first().waitFor() },
  { name: "dead-letters", path: () => "/dead-letters", ready: rows },
];

/** The session cookie, signed in once (the server limits sign-in attempts). */
let session: Awaited<ReturnType<BrowserContext["storageState"]>> | undefined;

async function signedIn(viewport: { width: number; height: number }): Promise<BrowserContext> {
  if (!session) {
    const context = await browser().newContext();
    const res = await context.request.post(`${world().apiUrl}/api/session`, {
      data: { username: USER.name, password: USER.password },
    });
    expect(res.status()).toBe(200);
    session = await context.storageState();
    await context.close();
  }
  return browser().newContext({ viewport, storageState: session });
}

async function measure(page: Page, name: string, width: number): Promise<void> {
  // Let live reloads and fonts settle before measuring.
  await page.evaluate("document.fonts.ready");
  await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
  const problems = await layoutProblems(page);
  expect(problems, `${name} at ${width} px`).toEqual([]);
}

describe.each(VIEWPORTS)("dashboard layout at $width px", (viewport) => {
  it("signs in on a page that fits", async () => {
    const context = await browser().newContext({ viewport });
    try {
      const page = await context.newPage();
      await page.goto(world().apiUrl);
      await page.getByRole("heading", { name: "Sign in to Slipway" }).waitFor();
      await measure(page, "sign-in", viewport.width);
    } finally {
      await context.close();
    }
  }, 60_000);

  it.each(VISITS)(
    "$name fits",
    async (visit) => {
      const context = await signedIn(viewport);
      try {
        const page = await context.newPage();
        await page.goto(`${world().apiUrl}${visit.path()}`);
        await visit.ready(page);
        await visit.then?.(page);
        await measure(page, visit.name, viewport.width);
      } finally {
        await context.close();
      }
    },
    60_000,
  );
});

describe("history at a phone's width", () => {
  it("shows the newest events a page at a time, with Load more", async () => {
    const context = await signedIn(VIEWPORTS[0]!);
    try {
      const page = await context.newPage();
      await page.goto(`${world().apiUrl}/history`);
      const shown = page.locator("main tbody tr");
      await shown.first().waitFor();
      const first = await shown.count();
      expect(first).toBeLessThan(100);
      await page.getByRole("button", { name: "Load more" }).click();
      await expect.poll(() => shown.count()).toBeGreaterThan(first);
      const height = await page.evaluate<number>("document.documentElement.scrollHeight");
      expect(height).toBeLessThanOrEqual(MAX_PAGE_HEIGHT * 2);
    } finally {
      await context.close();
    }
  }, 60_000);
});
