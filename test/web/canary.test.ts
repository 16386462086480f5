/**
 * The rollout page for a canary, in headless Chromium against a real world: the step timeline, the
 * live split at each weight, the analysis charts with their verdicts, Promote at the manual pause
 * (the split goes to 100 %), and a viewer who sees the same page without any action button.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { canaryWorld, horizontalOverflow, shot, unnamedControls } from "./harness.js";

const DEPLOYER = { name: "carol", password: "canary password 1", role: "deployer" };
const VIEWER = { name: "victor", password: "viewer password 1", role: "viewer" };

const { world: theWorld, signedIn } = canaryWorld();

describe("canary rollout page", () => {
  it("shows steps, live weights and analysis charts; Promote at the manual pause sends all traffic", async () => {
    const w = theWorld();
    for (const user of [DEPLOYER, VIEWER]) expect((await w.api("POST", "/api/users", user)).status).toBe(201);
    const v1 = await w.api<{ rollout: { id: string } }>("POST", "/api/deployments", {
      service: "web",
      environment: "production",
      version: "v1",
    });
    for (let phase = ""; phase !== "promoted"; await sleep(100)) {
      phase = (await w.api<{ rollout: { phase: string } }>("GET", `/api/rollouts/${v1.body.rollout.id}`)).body
        .rollout.phase;
      expect(["rolled-back", "failed"]).not.toContain(phase);
    }

    const context = await signedIn(DEPLOYER);
    const page = await context.newPage();
    try {
      await page.goto(w.apiUrl);
      const form = page.getByRole("form", { name: "Deploy" });
      await form.getByLabel("Version").fill("v2");
      await form.getByRole("button", { name: "Deploy" }).click();
      await page.waitForURL(/\/rollouts\//);
      const rolloutUrl = page.url();

      // The page follows the canary to its manual pause at 50 %.
      const steps = page.getByRole("list", { name: "canary steps" });
      await expect
        .poll(() => steps.locator('[aria-current="step"]').textContent(), { timeout: 60_000 })
        .toMatch(/^pause until promoted/);
      expect(await steps.locator("li").allTextContents()).toEqual([
        "set weight 20% (done)",
        "analysis: latency p95 vs stable (done)",
        "set weight 50% (done)",
        expect.stringMatching(/^pause until promoted \(current\)paused: /),
        "promote (upcoming)",
      ]);
      await expect.poll(() => page.getByTestId("weights").getAttribute("data-split")).toBe("v1 50%, v2 50%");

      // Analysis: a chart per metric (candidate vs stable), the verdict lines.
      const chart = page.getByRole("img", {
        name: /^latency p95 vs stable: \d+ points; last candidate .* ms, stable .* ms$/,
      });
      await chart.waitFor();
      // Candidate, stable and the ratio's bound (3 × stable).
      expect(await chart.locator("polyline").count()).toBe(3);
      await expect.poll(() => page.getByRole("img", { name: /^error rate: \d+ points/ }).count()).toBe(1);
      expect(
        await page.getByText(/latency p95 vs stable: 8 of 8 measurements successful/).count(),
      ).toBeGreaterThan(0);

      // Buttons for the phase: promote, promote fully, abort; no rollback while deciding.
      const buttons = await page
        .getByRole("region", { name: "Actions" })
        .getByRole("button")
        .allTextContents();
      expect(buttons).toEqual(["Promote", "Promote to 100%", "Abort"]);
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      expect(await unnamedControls(page)).toEqual([]);
      await shot(page, "10-canary-paused");

      // A viewer sees the same rollout, without buttons.
      const viewer = await signedIn(VIEWER);
      const viewerPage = await viewer.newPage();
      await viewerPage.goto(rolloutUrl);
      await viewerPage.getByText("Your role (viewer) can watch rollouts but not act on them.").waitFor();
      expect(await viewerPage.getByRole("button", { name: "Promote" }).count()).toBe(0);
      await viewer.close();

      // Promote: the canary goes on to its end and takes all traffic.
      await page.getByRole("button", { name: "Promote", exact: true }).click();
      await expect
        .poll(() => page.getByTestId("weights").getAttribute("data-split"), { timeout: 30_000 })
        .toBe("v2 100%");
      await expect
        .poll(() => page.getByTestId("phase").textContent(), { timeout: 30_000 })
        .toMatch(/warm|draining|stopping|promoted/);
      await shot(page, "11-canary-promoted");
    } finally {
      await context.close();
    }
  }, 150_000);
});
