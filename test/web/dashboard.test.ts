/**
 * The dashboard end to end: a real proxy, control plane and fixture app; headless Chromium signs in
 * through the form, deploys v1 then v2 from the page, watches the rollout advance live, rolls back
 * by keyboard and sees the traffic split change. Screenshots land in test-results/web/.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  horizontalOverflow,
  focused,
  shot,
  dashboardSuite,
  startDashboardWorld,
  steadyLoad,
  unnamedControls,
} from "./harness.js";

const USER = { name: "dora", password: "correct horse battery", role: "deployer" };

const { world, browser } = dashboardSuite(() => startDashboardWorld());

async function phaseOn(page: Page): Promise<string> {
  return (await page.getByTestId("phase").textContent())?.trim() ?? "";
}

/** Polls the page (not the API) until the rollout shows one of `phases`; returns every phase seen. */
async function watchUntil(page: Page, phases: string[], timeoutMs = 45_000): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const phase = await phaseOn(page).catch(() => "");
    if (phase && seen[seen.length - 1] !== phase) seen.push(phase);
    if (phases.includes(phase)) return seen;
    if (Date.now() > deadline) throw new Error(`rollout page stuck; phases seen: ${seen.join(" → ")}`);
    await sleep(50);
  }
}

async function deployFromForm(page: Page, version: string): Promise<void> {
  await page.goto(world().apiUrl);
  await page.getByRole("heading", { name: "Overview" }).waitFor();
  const form = page.getByRole("form", { name: "Deploy" });
  await form.getByLabel("Service").fill("web");
  await form.getByLabel("Environment").fill("production");
  await form.getByLabel("Version").fill(version);
  await form.getByRole("button", { name: "Deploy" }).click();
  await page.waitForURL(/\/rollouts\//, { timeout: 15_000 });
}

describe("dashboard in headless Chromium", () => {
  it("sends the security headers on the page, its assets and the API", async () => {
    const w = world();
    const page = await fetch(w.apiUrl);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(new URL(script!, w.apiUrl));
    await asset.arrayBuffer();
    const api = await fetch(new URL("/api/status", w.apiUrl));
    await api.arrayBuffer();
    for (const res of [page, asset, api]) {
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    }
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(api.headers.get("content-security-policy")).toContain("default-src 'none'");
  });

  it("signs in, deploys v1 and v2, watches the rollout live, rolls back by keyboard", async () => {
    const w = world();
    const created = await w.api<{ user: { id: string } }>("POST", "/api/users", USER);
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    const context = await browser().newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    // Chromium reports what the Content-Security-Policy blocked as console errors.
    const blocked: string[] = [];
    page.on("console", (message) => {
      if (/content security policy/i.test(message.text())) blocked.push(message.text());
    });
    // Steady requests through the proxy so the rollout's triggers have traffic to judge.
    const stopLoad = steadyLoad(w.proxyUrl, 20);
    try {
      // Sign in through the form.
      await page.goto(w.apiUrl);
      await page.getByRole("heading", { name: "Sign in to Slipway" }).waitFor();
      expect(await unnamedControls(page)).toEqual([]);
      await shot(page, "01-sign-in");
      await page.getByLabel("User name").fill(USER.name);
      await page.getByLabel("Password").fill("wrong password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/wrong user name or password/i);
      await page.getByLabel("Password").fill(USER.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Overview" }).waitFor();
      await expect.poll(() => page.getByText(`${USER.name} (deployer)`).count()).toBe(1);
      await expect.poll(() => page.getByTestId("live").textContent(), { timeout: 10_000 }).toBe("live");

      // v1: a first deploy, promoted.
      await deployFromForm(page, "v1");
      await watchUntil(page, ["promoted"]);

      // v2: blue-green, watched phase by phase on the page (updates arrive over /api/events).
      await deployFromForm(page, "v2");
      const seen = await watchUntil(page, ["warm", "promoted"]);
      expect(seen.length, `phases seen: ${seen.join(" → ")}`).toBeGreaterThan(1);
      expect(seen).toContain("analysing");
      const rolloutUrl = page.url();
      await expect
        .poll(() => page.getByTestId("weights").getAttribute("data-split"), { timeout: 15_000 })
        .toBe("v2 100%");
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      expect(await unnamedControls(page)).toEqual([]);
      await shot(page, "02-rollout-v2-promoted");

      // Overview: services × environments with v2 live.
      await page.getByRole("link", { name: "Overview" }).click();
      await expect.poll(() => page.getByTestId("cell-web-production").textContent()).toContain("v2");
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      expect(await unnamedControls(page)).toEqual([]);
      await shot(page, "03-overview");

      // Rollback by keyboard: type a reason, Tab to the button, Enter. Wait until v2's rollout is
      // over first (v1 drained and stopped), so the rollback is a rollout of its own that redeploys
      // v1; pressed while v1 is still warm it would switch back on this same page instead, and
      // while v1 drains the server refuses it (timing the test must not depend on).
      await page.goto(rolloutUrl);
      await watchUntil(page, ["promoted"]);
      const reason = page.getByLabel("Reason");
      await reason.fill("v2 looks wrong in the browser test");
      await reason.focus();
      await page.keyboard.press("Tab");
      const focus = await focused(page);
      expect(focus.text).toBe("Rollback");
      expect(focus.outline).not.toBe("none");
      await page.keyboard.press("Enter");
      await page.waitForURL((url) => url.href !== rolloutUrl, { timeout: 15_000 });
      await expect
        .poll(() => page.getByTestId("weights").getAttribute("data-split"), { timeout: 30_000 })
        .toBe("v1 100%");
      await watchUntil(page, ["warm", "promoted"]);
      await shot(page, "04-rolled-back");

      // History: the audit trail with filters.
      await page.getByRole("link", { name: "History" }).click();
      await page.getByRole("heading", { name: "History" }).waitFor();
      // The audit trail names people by their user name.
      await page.getByLabel("Actor").fill(USER.name);
      await page.getByRole("button", { name: "Filter" }).click();
      await expect.poll(() => page.getByTestId("history").textContent()).toContain("v1");
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      expect(await unnamedControls(page)).toEqual([]);
      await shot(page, "05-history");

      // Pipelines and dead letters: empty here, and they say so (not an error, not a blank page).
      await page.getByRole("link", { name: "Pipelines" }).click();
      await page.getByText("No runs yet.").waitFor();
      await page.getByRole("link", { name: "Dead letters" }).click();
      await page.getByText("No dead letters.").waitFor();
      expect(await unnamedControls(page)).toEqual([]);

      expect(consoleErrors).toEqual([]);
      expect(blocked).toEqual([]);
    } finally {
      await stopLoad();
      await context.close();
    }
  }, 150_000);
});
