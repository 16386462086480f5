/**
 * The experiments pages in headless Chromium against the real control plane: the list, an
 * experiment whose results table, drawn intervals and exposures over time follow the API's
 * numbers, a sample-ratio mismatch shown as a warning, and stop / ship through the page.
 */
import { describe, expect, it } from "vitest";
import { horizontalOverflow, shot, dashboardSuite, startDashboardWorld, unnamedControls } from "./harness.js";

const DEPLOYER = { name: "erin", password: "experiments deployer pass", role: "deployer" };

const split = {
  state: "ENABLED",
  variants: { on: true, off: false },
  defaultVariant: "off",
  targeting: {
    fractional: [
      ["on", 50],
      ["off", 50],
    ],
  },
};

/** `users` exposures split `onShare` / rest, and purchases at the given rates. */
function traffic(
  flagKey: string,
  prefix: string,
  users: number,
  onShare: number,
  rates: { on: number; off: number },
) {
  const events: unknown[] = [];
  const timestamp = new Date().toISOString();
  const onUsers = Math.round(users * onShare);
  for (let i = 0; i < users; i++) {
    const variant = i < onUsers ? "on" : "off";
    const user = `${prefix}-${i}`;
    events.push({
      kind: "exposure",
      flagKey,
      variant,
      reason: "TARGETING_MATCH",
      targetingKey: user,
      timestamp,
    });
    const index = variant === "on" ? i : i - onUsers;
    const size = variant === "on" ? onUsers : users - onUsers;
    if (index < size * rates[variant]) {
      events.push({ kind: "conversion", name: "purchase", targetingKey: user, details: {}, timestamp });
    }
  }
  return events;
}

async function postAll(events: unknown[]) {
  for (let i = 0; i < events.length; i += 1000) {
    expect(
      (await world().api("POST", "/api/flags/events", { events: events.slice(i, i + 1000) })).status,
    ).toBe(202);
  }
}

const { world, signedInPage } = dashboardSuite(() => startDashboardWorld(), {
  seed: async (world) => {
    expect((await world.api("POST", "/api/users", DEPLOYER)).status).toBe(201);
    for (const key of ["checkout", "banner"]) {
      expect((await world.api("PUT", `/api/flags/${key}`, { flag: split, reason: "a/b" })).status).toBe(201);
    }
    for (const [key, flag] of [
      ["checkout-ab", "checkout"],
      ["banner-srm", "banner"],
    ]) {
      const created = await world.api("POST", "/api/experiments", {
        key,
        flag,
        metrics: [{ event: "purchase", kind: "conversion" }],
        reason: "test",
      });
      expect(created.status).toBe(201);
      expect((await world.api("POST", `/api/experiments/${key}/start`, { reason: "go" })).status).toBe(200);
    }
    await postAll(traffic("checkout", "c", 4000, 0.5, { on: 0.3, off: 0.1 }));
    // 60 / 40 where 50 / 50 was expected: a sample-ratio mismatch.
    await postAll(traffic("banner", "b", 1000, 0.6, { on: 0.1, off: 0.1 }));
  },
});

describe("experiments pages", () => {
  it("lists experiments and shows results with the intervals drawn and exposures over time", async () => {
    const { context, page } = await signedInPage(DEPLOYER);
    try {
      await page.goto(`${world().apiUrl}/experiments`);
      const rows = page.locator("tbody tr");
      await expect.poll(() => rows.count()).toBe(2);
      expect(await rows.allTextContents()).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/checkout-ab.*running.*checkout.*on vs off.*purchase/),
        ]),
      );
      expect(await unnamedControls(page)).toEqual([]);
      expect(await horizontalOverflow(page)).toBe(0);
      await shot(page, "60-experiments");

      await page.getByRole("link", { name: "checkout-ab" }).click();
      const metric = page.getByTestId("metric-purchase");
      const on = metric.locator("tbody tr").filter({ hasText: /^on/ });
      await expect.poll(() => on.textContent()).toMatch(/^on2000600/);
      // The page shows the API's numbers: rate 30.0 %, lift +200.0 %, verdict better.
      const api = await world().api<{
        metrics: { variants: { variant: string; lift: { interval: { lower: number } } | null }[] }[];
      }>("GET", "/api/experiments/checkout-ab/results");
      const lower = api.body.metrics[0]!.variants.find((v) => v.variant === "on")!.lift!.interval.lower;
      expect(await on.textContent()).toContain(`+200.0 % [${(lower * 100).toFixed(1)} %`);
      expect(await on.textContent()).toMatch(/better$/);
      const plot = page.getByRole("img", { name: /^Lift against off: on: lift \+200\.0 %, 95 % CI/ });
      expect(await plot.count()).toBe(1);
      // Both intervals are drawn, the always-valid one wider than the fixed-horizon one.
      const width = async (selector: string) => {
        const line = plot.locator(selector);
        return Number(await line.getAttribute("x2")) - Number(await line.getAttribute("x1"));
      };
      const widths = [await width(".always-valid"), await width(".fixed")];
      expect(widths[0]).toBeGreaterThan(widths[1]!);
      expect(await page.getByRole("alert").count()).toBe(0);
      expect(await page.getByRole("img", { name: "Exposures over time: on 2000, off 2000" }).count()).toBe(1);
      expect(await metric.textContent()).toContain("Winner: on.");
      expect(await unnamedControls(page)).toEqual([]);
      await shot(page, "61-experiment");
    } finally {
      await context.close();
    }
  }, 120_000);

  it("warns of a sample-ratio mismatch and names no winner", async () => {
    const { context, page } = await signedInPage(DEPLOYER);
    try {
      await page.goto(`${world().apiUrl}/experiments/banner-srm`);
      const alert = page.getByRole("alert");
      await expect.poll(() => alert.count()).toBe(1);
      expect(await alert.textContent()).toMatch(
        /Sample-ratio mismatch: exposures 600 \/ 400 against the expected 500 \/ 500/,
      );
      expect(await page.getByTestId("metric-purchase").textContent()).not.toContain("Winner");
      await shot(page, "62-experiment-srm");
    } finally {
      await context.close();
    }
  }, 120_000);

  it("ships the winner from the page: the flag serves it to everyone", async () => {
    const { context, page } = await signedInPage(DEPLOYER);
    try {
      await page.goto(`${world().apiUrl}/experiments/checkout-ab`);
      const ship = page.getByRole("form", { name: "Ship a variant of checkout-ab" });
      await ship.getByLabel("Variant").selectOption("on");
      await ship.getByLabel("Reason").fill("30 % against 10 %");
      await ship.getByRole("button", { name: "Ship" }).click();
      await expect.poll(() => page.locator("dl.facts dd").first().textContent()).toBe("shipped (on shipped)");
      const flag = await world().api<{ flag: { defaultVariant: string } }>("GET", "/api/flags/checkout");
      expect(flag.body.flag.defaultVariant).toBe("on");
    } finally {
      await context.close();
    }
  }, 120_000);
});
