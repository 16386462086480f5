/**
 * A rollout's own page, in headless Chromium against a real `slipway up` and a real canary: its
 * weights and request rates over time from its own recorded series, thresholds drawn as lines,
 * each analysis verdict once, the instances of its revisions with their last probe, and, once it
 * has finished and a later canary moved the traffic on, the weights it ended with (not the
 * environment's current split). A viewer sees no Dead letters link and no action button.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { canaryWorld, horizontalOverflow, shot, unnamedControls } from "./harness.js";

const DEPLOYER = { name: "dana", password: "history password 1", role: "deployer" };
const VIEWER = { name: "vic", password: "viewer password 12", role: "viewer" };

interface SeriesPoint {
  at: number;
  weights: { candidate: number; stable: number | null };
  candidate: { rps: number; errorRate: number | null; p95Ms: number | null } | null;
  stable: { rps: number } | null;
}
interface RolloutReply {
  rollout: {
    id: string;
    phase: string;
    canary?: { weight: number };
    analysis?: { step?: number; outcome?: { explanation: string } }[];
  };
}

const { world: theWorld, signedIn } = canaryWorld();

async function deploy(version: string): Promise<string> {
  const res = await theWorld().api<{ rollout: { id: string } }>("POST", "/api/deployments", {
    service: "web",
    environment: "production",
    version,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.rollout.id;
}

/** Polls the rollout until `done` holds of it (bounded by the test's timeout). */
async function until(
  id: string,
  done: (r: RolloutReply["rollout"]) => boolean,
): Promise<RolloutReply["rollout"]> {
  for (;;) {
    const { rollout } = (await theWorld().api<RolloutReply>("GET", `/api/rollouts/${id}`)).body;
    expect(["rolled-back", "failed"]).not.toContain(rollout.phase);
    if (done(rollout)) return rollout;
    await sleep(200);
  }
}

const series = async (id: string) =>
  (await theWorld().api<{ points: SeriesPoint[] }>("GET", `/api/rollouts/${id}/series`)).body.points;

/** The values a chart's line holds, as drawn (data-values of its polyline or lone mark). */
async function drawn(page: Page, chart: string, line: string): Promise<number[]> {
  const el = page.getByTestId(`history-${chart}`).locator(`[data-line="${line}"]`);
  if ((await el.count()) === 0) return [];
  return ((await el.getAttribute("data-values")) ?? "").split(",").filter(Boolean).map(Number);
}

describe("a rollout's own page", () => {
  it("charts its own series, thresholds and verdicts once, its instances, and the weights it ended with", async () => {
    const w = theWorld();
    for (const user of [DEPLOYER, VIEWER]) expect((await w.api("POST", "/api/users", user)).status).toBe(201);
    const v1 = await deploy("v1");
    await until(v1, (r) => r.phase === "promoted");

    const v2 = await deploy("v2");
    let v3: string | undefined;
    const paused = await until(v2, (r) => r.phase === "paused" && r.canary?.weight === 50);

    const context = await signedIn(DEPLOYER);
    const page = await context.newPage();
    try {
      await page.goto(`${w.apiUrl}/rollouts/${v2}`);
      await page.getByRole("heading", { name: "History" }).waitFor();

      // The weights chart holds this rollout's own steps: 20 % then 50 % for v2, 80 % then 50 % for v1.
      await expect
        .poll(() => drawn(page, "Traffic weight", "v2 (candidate)"), { timeout: 20_000 })
        .toEqual(expect.arrayContaining([20, 50]));
      const stableWeights = await drawn(page, "Traffic weight", "v1 (stable)");
      expect(stableWeights).toEqual(expect.arrayContaining([80, 50]));
      // As many points as the API recorded when the page read them (more keep coming).
      const recorded = await series(v2);
      expect(recorded.length).toBeGreaterThanOrEqual(
        (await drawn(page, "Traffic weight", "v2 (candidate)")).length,
      );
      expect(recorded.length).toBeGreaterThan(3);
      // Request rates: both revisions took traffic, and the page draws what the series says.
      await expect
        .poll(async () => (await drawn(page, "Requests per second", "v2 (candidate)")).some((v) => v > 0), {
          timeout: 20_000,
        })
        .toBe(true);
      expect((await drawn(page, "Requests per second", "v1 (stable)")).some((v) => v > 0)).toBe(true);
      expect(recorded.some((p) => (p.candidate?.rps ?? 0) > 0 && p.candidate?.p95Ms !== null)).toBe(true);
      expect((await drawn(page, "Latency p95", "v2 (candidate)")).length).toBeGreaterThan(0);
      // The legend names only lines that are drawn.
      const legend = page.getByRole("list", { name: "Traffic weight: legend" }).getByRole("listitem");
      expect(await legend.allTextContents()).toEqual(["v2 (candidate)", "v1 (stable)"]);

      // Analysis: the error-rate threshold (max 5 %) is a line, and its legend says so; the
      // threshold metric has no stable values, so no "stable" in its legend.
      const analysis = page.getByRole("region", { name: "Analysis" });
      const errorRate = analysis.getByRole("img", { name: /^error rate: \d+ points/ });
      await errorRate.waitFor();
      const threshold = errorRate.locator('[data-line="threshold (max 5.0%)"]');
      expect(await threshold.count()).toBe(1);
      expect(((await threshold.getAttribute("data-values")) ?? "").split(",")[0]).toBe("0.05");
      expect(
        await analysis
          .getByRole("list", { name: "error rate: legend" })
          .getByRole("listitem")
          .allTextContents(),
      ).toEqual(["candidate", "threshold (max 5.0%)"]);
      // The y axis fits the data: a 0 % error rate against a 5 % threshold is not drawn on 0-100 %.
      expect(await errorRate.locator("text").allTextContents()).not.toContain("100.0%");

      // Each verdict once: the step's outcome is not repeated by its metric's message or list.
      const verdict = paused.analysis?.find((a) => a.step !== undefined)?.outcome?.explanation ?? "";
      expect(verdict).toMatch(/latency p95 vs stable: 8 of 8 measurements successful/);
      const text = await analysis.innerText();
      expect(text.split(verdict).length - 1).toBe(1);
      const lastMeasurement = verdict.slice(verdict.indexOf("last: ") + "last: ".length);
      expect(text.split(lastMeasurement).length - 1).toBe(1);

      // Instances: both revisions' two replicas, with pid, port, state, restarts and the last probe.
      const rows = page.getByTestId("instance");
      await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(4);
      for (const row of await rows.all()) {
        const cells = await row.locator("td").allTextContents();
        expect(cells[0]).toMatch(/^v[12] \((candidate|stable)\)$/);
        expect(Number(cells[2])).toBeGreaterThan(0);
        expect(Number(cells[3])).toBeGreaterThan(0);
        expect(cells[4]).toBe("ready");
        expect(cells[5]).toBe("0");
        expect(cells[6]).toMatch(/^ok readiness, \d/);
      }
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      expect(await unnamedControls(page)).toEqual([]);
      await shot(page, "40-rollout-history");

      // Promote: v2 takes all traffic and finishes.
      await page.getByRole("button", { name: "Promote", exact: true }).click();
      await until(v2, (r) => r.phase === "promoted");

      // v3 moves the environment on (20 %, then its analysis step): v2's page keeps v2's own end.
      v3 = await deploy("v3");
      await until(v3, (r) => (r.canary?.weight ?? 0) > 0);
      await page.goto(`${w.apiUrl}/rollouts/${v2}`);
      await page.getByRole("heading", { name: "Traffic when it finished" }).waitFor();
      await expect
        .poll(() => page.getByTestId("weights").getAttribute("data-split"), { timeout: 20_000 })
        .toBe("v2 100%");
      const status = await w.api<{ environments: { revisions: { version: string; weight: number }[] }[] }>(
        "GET",
        "/api/status",
      );
      expect(status.body.environments[0]!.revisions.find((r) => r.version === "v3")!.weight).toBeGreaterThan(
        0,
      );
      const final = (await series(v2)).at(-1)!;
      expect(final.weights).toEqual({ candidate: 100, stable: 0 });
      expect((await drawn(page, "Traffic weight", "v2 (candidate)")).at(-1)).toBe(100);
      await shot(page, "41-rollout-finished");

      // On a phone (390 px) the charts scale with their card and the instance table scrolls inside
      // its own box: neither section is wider than the screen.
      await page.setViewportSize({ width: 390, height: 844 });
      for (const id of ["history-title", "instances-title"]) {
        const section = page.locator(`[aria-labelledby="${id}"]`);
        for (const el of [section, ...(await section.locator("svg, .scroll").all())]) {
          const box = (await el.boundingBox())!;
          expect(box.x + box.width, id).toBeLessThanOrEqual(390);
        }
      }
      await shot(page, "42-rollout-phone");
    } finally {
      await context.close();
    }

    // A viewer: no Dead letters link, no action button; a deployer has the link.
    const viewer = await signedIn(VIEWER);
    const viewerPage = await viewer.newPage();
    try {
      // v3 is deciding: a deployer would see Promote and Abort here.
      await viewerPage.goto(`${w.apiUrl}/rollouts/${v3}`);
      await viewerPage.getByText("Your role (viewer) can watch rollouts but not act on them.").waitFor();
      const nav = viewerPage.getByRole("navigation", { name: "Main" });
      expect(await nav.getByRole("link").allTextContents()).toContain("History");
      expect(await nav.getByRole("link", { name: "Dead letters" }).count()).toBe(0);
      expect(await viewerPage.getByRole("button", { name: /Promote|Abort|Rollback/ }).count()).toBe(0);
    } finally {
      await viewer.close();
    }
    const deployer = await signedIn(DEPLOYER);
    try {
      const deployerPage = await deployer.newPage();
      await deployerPage.goto(w.apiUrl);
      await deployerPage.getByRole("heading", { name: "Overview" }).waitFor();
      expect(
        await deployerPage
          .getByRole("navigation", { name: "Main" })
          .getByRole("link", { name: "Dead letters" })
          .count(),
      ).toBe(1);
    } finally {
      await deployer.close();
    }
  }, 180_000);
});
