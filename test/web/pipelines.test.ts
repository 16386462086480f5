/**
 * The pipelines pages against the server's real runs API: a workflow run started through the API
 * shows in the runs list; its page draws the job graph by `needs`, each job's log by step with a
 * time per line, the commit, the step summaries and the artifacts; Run, Re-run and Cancel by role.
 */
import { execFileSync } from "node:child_process";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  GIT_ENV,
  horizontalOverflow,
  shot,
  dashboardSuite,
  startDashboardWorld,
  unnamedControls,
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
// Two jobs, several steps, one failing step; a long line that must wrap inside its box.
const STEPS = `name: Steps
on: { workflow_dispatch: {} }
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - name: Compile
        run: |
          echo "compiling the site"
          echo "compiled 3 pages"
      - name: Package
        run: |
          echo "packing"
          printf 'x%.0s' $(seq 1 600); echo
  check:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - name: Unit tests
        run: echo "unit tests ok"
      - name: Smoke test
        run: |
          echo "smoke failed: 502 from /healthz" >&2
          exit 1
      - name: Report
        if: always()
        run: echo "report written"
`;
const SLOW = `name: Slow
on: { workflow_dispatch: {} }
jobs:
  wait:
    runs-on: ubuntu-latest
    steps:
      - name: Wait
        run: |
          echo "waiting for the queue"
          sleep 120
`;
const USER = { name: "petra", password: "pipelines password", role: "viewer" };
const DEPLOYER = { name: "dana", password: "pipelines password 2", role: "deployer" };

interface RunReply {
  runId: string;
  sha: string;
  status: string;
  conclusion: string | null;
  actor: string | null;
  startedAt: string;
}

function commit(dir: string, ...message: string[]): string {
  const args = ["commit", "-q", "--allow-empty", ...message.flatMap((m) => ["-m", m])];
  execFileSync("git", args, { cwd: dir, env: GIT_ENV });
  return execFileSync("git", ["rev-parse", "HEAD"], { cwd: dir, encoding: "utf8" }).trim();
}

async function finished(runId: string): Promise<RunReply> {
  let run: RunReply | undefined;
  await expect
    .poll(
      async () => {
        run = (await world().api<{ run: RunReply }>("GET", `/api/runs/${runId}`)).body.run;
        return run.status;
      },
      { timeout: 90_000, interval: 250 },
    )
    .toBe("completed");
  return run!;
}

const step = (page: Page, job: string, name: string) =>
  page.getByRole("region", { name: new RegExp(`^${job}\\b`) }).locator(`details[data-step="${name}"]`);

const { world, signedIn, signedInPage } = dashboardSuite(() =>
  startDashboardWorld({}, undefined, { "ci.yml": CI, "steps.yml": STEPS, "slow.yml": SLOW }),
);

describe("pipelines pages", () => {
  it("list runs and show a run's job graph, logs, step summaries and artifacts", async () => {
    const w = world();
    expect((await w.api("POST", "/api/users", USER)).status).toBe(201);
    const started = await w.api<{ run: { runId: string } }>("POST", "/api/runs", { workflow: "ci.yml" });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const runId = started.body.run.runId;

    const { context, page } = await signedInPage(USER);
    try {
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
      await expect
        .poll(() => page.getByRole("region", { name: /^test\b/ }).textContent())
        .toContain("tests ok");
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

  it("show each job's steps with timed lines and the commit; Re-run runs the same commit again", async () => {
    const w = world();
    expect((await w.api("POST", "/api/users", DEPLOYER)).status).toBe(201);
    const sha = commit(w.dir, "Fix the checkout button", "It sent the form twice when clicked fast.");
    const started = await w.api<{ run: RunReply }>("POST", "/api/runs", { workflow: "steps.yml" });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const first = await finished(started.body.run.runId);
    expect(first).toMatchObject({ sha, conclusion: "failure" });
    // The branch moves on; a re-run still runs the commit the first run had.
    const later = commit(w.dir, "A later commit");

    const context = await signedIn(DEPLOYER);
    try {
      const page = await context.newPage();
      await page.goto(`${w.apiUrl}/pipelines/${first.runId}`);
      await expect
        .poll(() => page.getByTestId("commit-message").textContent())
        .toBe("Fix the checkout button");
      const facts = (await page.locator("dl.run-facts").textContent()) ?? "";
      expect(facts).toContain(sha.slice(0, 7));
      expect(facts).toContain("It sent the form twice");
      expect(facts).toMatch(/Branch\s*main/);
      expect(facts).toMatch(/Event\s*workflow_dispatch/);
      expect(facts).toContain(`Started by${first.actor}`);

      // Each job, and in it each step as a section: succeeded ones collapsed, the failed one open.
      const sections = async (job: string) => {
        const all = page.getByRole("region", { name: new RegExp(`^${job}\\b`) }).locator("details.step");
        return Promise.all((await all.all()).map((one) => one.getAttribute("data-step")));
      };
      await expect.poll(() => sections("build")).toEqual(expect.arrayContaining(["Compile", "Package"]));
      expect(await sections("check")).toEqual(expect.arrayContaining(["Unit tests", "Smoke test", "Report"]));
      const compile = step(page, "build", "Compile");
      expect(await compile.getAttribute("open")).toBeNull();
      expect(await compile.locator("summary").textContent()).toMatch(/Compile\s*success/);
      const smoke = step(page, "check", "Smoke test");
      expect(await smoke.getAttribute("open")).not.toBeNull();
      expect(await smoke.locator("summary").textContent()).toMatch(/Smoke test\s*failure\s*\d+(ms|s)/);
      await expect
        .poll(() => smoke.getByRole("list").textContent())
        .toContain("smoke failed: 502 from /healthz");
      expect(await step(page, "check", "Report").getAttribute("open")).toBeNull();
      // A time on every line, the moment it was written.
      const times = compile.locator("li time");
      expect(await times.count()).toBe(2);
      const at = Date.parse((await times.first().getAttribute("datetime")) ?? "");
      expect(at).toBeGreaterThanOrEqual(Date.parse(first.startedAt));
      expect(await times.first().textContent()).toMatch(/^\d\d:\d\d:\d\d$/);
      expect(await compile.locator("li .text").allTextContents()).toEqual([
        "compiling the site",
        "compiled 3 pages",
      ]);
      // The 600-character line wraps inside its box; the page does not scroll sideways.
      await step(page, "build", "Package").locator("summary").click();
      expect(await step(page, "build", "Package").textContent()).toContain("x".repeat(600));
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      expect(await unnamedControls(page)).toEqual([]);
      await shot(page, "21-pipeline-steps");
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      await page.setViewportSize({ width: 1280, height: 900 });

      // Re-run: a new run of the same commit, started by whoever pressed it, audited.
      expect(await page.getByRole("button", { name: "Cancel" }).count()).toBe(0);
      await page.getByRole("button", { name: "Re-run" }).click();
      await page.waitForURL(
        (url) => /\/pipelines\/\d+$/.test(url.pathname) && !url.pathname.endsWith(`/${first.runId}`),
      );
      const again = await finished(page.url().split("/").pop()!);
      expect(again.runId).not.toBe(first.runId);
      expect(again).toMatchObject({ sha, actor: "dana" });
      expect(again.sha).not.toBe(later);
      await expect
        .poll(() => page.getByTestId("commit-message").textContent())
        .toBe("Fix the checkout button");
      const history = await w.api<{ events: { type: string; message: string; actor: string }[] }>(
        "GET",
        "/api/history?limit=50",
      );
      const audited = history.body.events.find((e) => e.message.includes(`/api/runs/${first.runId}/rerun`));
      expect(audited).toMatchObject({ type: "api.trigger-run", actor: "dana" });
      expect(audited?.message).toContain("→ 202");
    } finally {
      await context.close();
    }
  }, 180_000);

  it("start a run from the page, follow its step live and cancel it; refuse what cannot be done", async () => {
    const w = world();
    const context = await signedIn(DEPLOYER);
    try {
      const page = await context.newPage();
      await page.goto(`${w.apiUrl}/pipelines`);
      const form = page.getByRole("form", { name: "Run a workflow" });
      await form.getByLabel("Workflow").selectOption({ label: "Slow (slow.yml)" });
      await form.getByLabel("Branch, tag or commit").fill("main");
      await form.getByRole("button", { name: "Run" }).click();
      await page.waitForURL(/\/pipelines\/\d+$/);
      const runId = page.url().split("/").pop()!;
      // Live: the running step is open and its first line shows up (with its time) while it runs.
      const wait = step(page, "wait", "Wait");
      await expect.poll(() => wait.getAttribute("open"), { timeout: 60_000 }).not.toBeNull();
      await expect
        .poll(() => wait.locator("li").first().textContent(), { timeout: 30_000 })
        .toMatch(/^\d\d:\d\d:\d\d\s*waiting for the queue$/);
      expect((await w.api<{ run: RunReply }>("GET", `/api/runs/${runId}`)).body.run.status).toBe("running");

      // Bad requests are refused with a reason.
      const running = await w.api<{ error: { message: string } }>("POST", `/api/runs/${runId}/rerun`);
      expect(running.status).toBe(409);
      expect(running.body.error.message).toMatch(/still running/);
      expect((await w.api("POST", "/api/runs/987654/rerun")).status).toBe(404);
      expect((await w.api("POST", "/api/runs", { workflow: "nope.yml" })).status).toBe(404);

      // A viewer sees the run but none of the buttons, and no Run form.
      const viewer = await signedIn(USER);
      try {
        const viewerPage = await viewer.newPage();
        await viewerPage.goto(`${w.apiUrl}/pipelines/${runId}`);
        await expect.poll(() => step(viewerPage, "wait", "Wait").getAttribute("open")).not.toBeNull();
        expect(
          await viewerPage
            .getByRole("button")
            .filter({ hasText: /Cancel|Re-run|Run/ })
            .count(),
        ).toBe(0);
        await viewerPage.goto(`${w.apiUrl}/pipelines`);
        await expect.poll(() => viewerPage.getByRole("link", { name: /^#/ }).count()).toBeGreaterThan(0);
        expect(await viewerPage.getByRole("form", { name: "Run a workflow" }).count()).toBe(0);
        await viewerPage.goto(
          `${w.apiUrl}/pipelines/${first(await w.api<{ runs: RunReply[] }>("GET", "/api/runs"))}`,
        );
        await expect
          .poll(() => viewerPage.getByRole("heading", { level: 2, name: /^Run #/ }).count())
          .toBe(1);
        expect(await viewerPage.getByRole("button", { name: "Re-run" }).count()).toBe(0);
      } finally {
        await viewer.close();
      }

      await page.getByRole("button", { name: "Cancel" }).click();
      await expect
        .poll(() => page.getByRole("heading", { level: 2, name: /^Run #/ }).textContent(), {
          timeout: 60_000,
        })
        .toMatch(/cancelled$/);
      expect((await w.api<{ run: RunReply }>("GET", `/api/runs/${runId}`)).body.run).toMatchObject({
        status: "completed",
        conclusion: "cancelled",
      });
      expect(await page.getByRole("button", { name: "Cancel" }).count()).toBe(0);
      await shot(page, "22-pipeline-cancelled");
    } finally {
      await context.close();
    }
  }, 180_000);
});

/** The id of a finished run in a runs list reply. */
function first(reply: { body: { runs: RunReply[] } }): string {
  return reply.body.runs.find((run) => run.status === "completed")!.runId;
}
