/**
 * The channels page in headless Chromium against the real control plane: after a move into the
 * stable channel (a real blue-green rollout) and a flag channel's move, the page lists each channel
 * with its strategy, what it controls and its version, and each channel's history names who moved
 * what and why.
 */
import { describe, expect, it } from "vitest";
import { projectYaml, withoutBaselineTrigger } from "../rollouts/world.js";
import { horizontalOverflow, shot, dashboardSuite, startDashboardWorld, unnamedControls } from "./harness.js";

const CHANNELS = `channels:
  stable: { strategy: blue-green, environment: production, description: what customers get }
  alpha: { strategy: flag, flag: web-release, variant: alpha }
`;

const { world, browser } = dashboardSuite(
  () => startDashboardWorld({}, withoutBaselineTrigger(projectYaml("1s", CHANNELS))),
  {
    seed: async (world) => {
      const flag = {
        state: "ENABLED",
        variants: { stable: "v1", alpha: "v1" },
        defaultVariant: "stable",
        targeting: { if: [{ "==": [{ var: "group" }, "alpha"] }, "alpha", "stable"] },
      };
      expect(
        (await world.api("PUT", "/api/flags/web-release", { flag, reason: "alpha testers" })).status,
      ).toBe(201);
      const stable = await world.api("POST", "/api/channels/stable/moves", {
        service: "web",
        version: "v1",
        reason: "first release",
      });
      expect(stable.status).toBe(202);
      const alpha = await world.api("POST", "/api/channels/alpha/moves", {
        service: "web",
        version: "v2-rc1",
        reason: "alpha tries v2",
      });
      expect(alpha.status).toBe(202);
    },
  },
);

describe("channels page", () => {
  it("lists channels with strategy, what they control, version and history", async () => {
    const context = await browser().newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      expect(
        (
          await world().api("POST", "/api/users", {
            name: "cora",
            password: "channels viewer",
            role: "viewer",
          })
        ).status,
      ).toBe(201);
      const signIn = await context.request.post(`${world().apiUrl}/api/session`, {
        data: { username: "cora", password: "channels viewer" },
      });
      expect(signIn.status()).toBe(200);
      await page.goto(`${world().apiUrl}/channels`);
      const rows = page.getByTestId("channels").locator("tbody tr");
      await expect.poll(() => rows.count()).toBe(2);
      // Config order: stable, then alpha.
      expect(await rows.nth(0).textContent()).toMatch(/^stableblue-greenenvironment productionwebv1/);
      expect(await rows.nth(1).textContent()).toMatch(
        /^alphaflagflag web-release → variant alphawebv2-rc1v2-rc1/,
      );
      expect(await page.getByRole("heading", { name: "stable — what customers get" }).count()).toBe(1);
      const history = page.getByTestId("history-alpha").locator("tbody tr");
      expect(await history.count()).toBe(1);
      expect(await history.first().textContent()).toMatch(
        /local admin.*web.*v2-rc1 \(was v1\).*alpha tries v2/,
      );
      expect(await page.getByTestId("history-stable").locator("tbody tr").first().textContent()).toMatch(
        /web.*v1.*first release/,
      );
      expect(await unnamedControls(page)).toEqual([]);
      expect(await horizontalOverflow(page)).toBe(0);
      await shot(page, "60-channels");
    } finally {
      await context.close();
    }
  }, 120_000);
});
