/**
 * Approvals on the rollout page: a deploy to an environment with `approval: true` waits; its
 * requester is not offered Approve (only Abort), another deployer approves from the page (the
 * request carries the session's CSRF token) and the rollout goes on to serve traffic.
 */
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectYaml, withoutBaselineTrigger } from "../rollouts/world.js";
import {
  launchChromium,
  shot,
  startDashboardWorld,
  unnamedControls,
  type DashboardWorld,
} from "./harness.js";

const ANN = { name: "ann", password: "ann's password 1", role: "deployer" };
const BEN = { name: "ben", password: "ben's password 1", role: "deployer" };

let world: DashboardWorld | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  world = await startDashboardWorld({}, withoutBaselineTrigger(projectYaml("1s", "    approval: true\n")));
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
}, 60_000);

async function signedIn(user: { name: string; password: string }): Promise<BrowserContext> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
  const res = await context.request.post(`${world!.apiUrl}/api/session`, {
    data: { username: user.name, password: user.password },
  });
  expect(res.status(), await res.text()).toBe(200);
  return context;
}

describe("approvals on the rollout page", () => {
  it("holds a deploy until another deployer approves it from the page", async () => {
    for (const user of [ANN, BEN]) expect((await world!.api("POST", "/api/users", user)).status).toBe(201);
    const annContext = await signedIn(ANN);
    const benContext = await signedIn(BEN);
    try {
      // Ann deploys from the form; the rollout waits for approval and she may only abort it.
      const ann = await annContext.newPage();
      await ann.goto(world!.apiUrl);
      const form = ann.getByRole("form", { name: "Deploy" });
      await form.getByLabel("Service").fill("web");
      await form.getByLabel("Environment").fill("production");
      await form.getByLabel("Version").fill("v1");
      await form.getByRole("button", { name: "Deploy" }).click();
      await ann.waitForURL(/\/rollouts\//);
      await expect.poll(() => ann.getByTestId("phase").textContent()).toBe("awaiting-approval");
      const actions = ann.getByRole("region", { name: "Actions" });
      expect(await actions.getByRole("button").allTextContents()).toEqual(["Abort"]);
      expect(await unnamedControls(ann)).toEqual([]);

      // Ben approves it; both pages see it go on (Ann's over /api/events).
      const ben = await benContext.newPage();
      await ben.goto(ann.url());
      const approve = ben.getByRole("button", { name: "Approve" });
      await approve.waitFor();
      expect(
        await ben.getByRole("region", { name: "Actions" }).getByRole("button").allTextContents(),
      ).toEqual(["Approve", "Reject", "Abort"]);
      await shot(ben, "30-awaiting-approval");
      await approve.click();
      await expect
        .poll(() => ben.getByTestId("weights").getAttribute("data-split"), { timeout: 30_000 })
        .toBe("v1 100%");
      await expect.poll(() => ann.getByTestId("phase").textContent(), { timeout: 30_000 }).toBe("promoted");
      await shot(ann, "31-approved");
    } finally {
      await annContext.close();
      await benContext.close();
    }
  }, 120_000);
});
