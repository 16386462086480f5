/**
 * A release's evidence on the dashboard: reports attached through the API and the production
 * policy's verdict, each failed rule named with its evidence.
 */
import { describe, expect, it } from "vitest";
import { projectYaml, withoutBaselineTrigger } from "../rollouts/world.js";
import { shot, dashboardSuite, startDashboardWorld, unnamedControls } from "./harness.js";

const USER = { name: "vera", password: "evidence page pass", role: "viewer" };
const POLICY = `    policy:
      require: [tests, coverage, sast]
      minCoverage: 90
`;

const { world, signedInPage } = dashboardSuite(() =>
  startDashboardWorld({}, withoutBaselineTrigger(projectYaml("1s", POLICY))),
);

describe("release evidence page", () => {
  it("shows the attestations and the policy verdict naming each failed rule", async () => {
    const w = world();
    expect((await w.api("POST", "/api/users", USER)).status).toBe(201);
    const lcov = "TN:\nSF:src/price.js\nDA:1,1\nDA:2,1\nDA:3,0\nDA:4,1\nLF:4\nLH:3\nend_of_record\n";
    const added = await w.api("POST", "/api/releases/web/v7/evidence", {
      file: "lcov.info",
      content: lcov,
      runId: 41,
      job: "test",
    });
    expect(added.status).toBe(201);

    const { context, page } = await signedInPage(USER);
    try {
      await page.goto(`${w.apiUrl}/releases/web/v7`);
      await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
      expect(await page.locator("tbody tr").first().textContent()).toMatch(
        /coverage.*lines 75 %.*lcov.*run 41, job test/,
      );
      const verdict = page.locator(".verdict");
      expect(await verdict.locator("h3").textContent()).toBe("production: refused");
      const failed = await verdict.locator("li.error").allTextContents();
      expect(failed).toEqual([
        "✗ required attestation missing: tests",
        "✗ required attestation missing: sast",
        "✗ coverage 75 % < 90 % (lcov from run 41, job test)",
      ]);
      expect(await unnamedControls(page)).toEqual([]);
      await shot(page, "50-release-evidence");
    } finally {
      await context.close();
    }
  }, 120_000);
});
