/**
 * The pipelines pages against the server's real runs API: a workflow run started through the API
 * shows in the runs list; its page draws the job graph by `needs`, the logs, the step summaries
 * and the artifacts.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  horizontalOverflow,
  launchChromium,
  shot,
  startDashboardWorld,
  unnamedControls,
  type DashboardWorld,
} from "./harness.js";

const CI = `name: CI
on: { workflow_dispatch: {} }
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: mkdir -p out && echo "hello from build" > out/greeting.txt
      - uses: actions/upload-artifact@v4
        with: { name: site, path: out }
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: echo lint ok
  test:
    needs: [build, lint]
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "tests ok"
          echo "### 3 tests passed" >> "$GITHUB_STEP_SUMMARY"
`;
const USER = { name: "petra", password: "pipelines password", role: "viewer" };

let world: DashboardWorld | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  world = await startDashboardWorld({}, undefined, { "ci.yml": CI });
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
}, 60_000);

describe("pipelines pages", () => {
  it("list runs and show a run's job graph, logs, step summaries and artifacts", async () => {
    const w = world!;
    expect((await w.api("POST", "/api/users", USER)).status).toBe(201);
    const started = await w.api<{ run: { runId: string } }>("POST", "/api/runs", { workflow: "ci.yml" });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const runId = started.body.run.runId;

    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const res = await context.request.post(`${w.apiUrl}/api/session`, {
        data: { username: USER.name, password: USER.password },
      });
      expect(res.status()).toBe(200);
      const page = await context.newPage();
      await page.goto(`${w.apiUrl}/pipelines`);
      // The run finishes while we watch: the list follows it over /api/events.
      const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: /^#/ }) });
      await expect
        .poll(() => row.first().textContent(), { timeout: 60_000 })
        .toMatch(/CI.*workflow_dispatch.*success/);
      await row.first().getByRole("link").click();
      await page.waitForURL(new RegExp(`/pipelines/${runId}$`));

      const graph = page.getByRole("list", { name: "job graph, by stage" });
      const stages = graph.getByRole("listitem");
      await expect.poll(() => stages.count()).toBe(2);
      expect(await stages.nth(0).textContent()).toMatch(/Stage 1:.*build.*lint/);
      expect(await stages.nth(1).textContent()).toMatch(/Stage 2:.*test.*needs build, lint/);
      await expect.poll(() => page.getByLabel("run logs").textContent()).toContain("tests ok");
      await expect
        .poll(() => page.getByRole("region", { name: "summary of test" }).textContent())
        .toContain("### 3 tests passed");
      const artifact = page.getByRole("link", { name: "site" });
      expect(await artifact.getAttribute("href")).toBe(`/api/runs/${runId}/artifacts/site`);
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      expect(await unnamedControls(page)).toEqual([]);
      await shot(page, "20-pipeline-run");
    } finally {
      await context.close();
    }
  }, 120_000);
});
