/**
 * Approvals on the rollout page: a deploy to an environment with `approval: true` waits; its
 * requester is not offered Approve (only Abort), another deployer approves from the page (the
 * request carries the session's CSRF token) and the rollout goes on to serve traffic.
 */
import { describe, expect, it } from "vitest";
import { projectYaml, withoutBaselineTrigger } from "../rollouts/world.js";
import { shot, dashboardSuite, startDashboardWorld, unnamedControls } from "./harness.js";

const ANN = { name: "ann", password: "ann's password 1", role: "deployer" };
const BEN = { name: "ben", password: "ben's password 1", role: "deployer" };

const { world, signedIn } = dashboardSuite(() =>
  startDashboardWorld({}, withoutBaselineTrigger(projectYaml("1s", "    approval: true\n"))),
);

describe("approvals on the rollout page", () => {
  it("holds a deploy until another deployer approves it from the page", async () => {
    for (const user of [ANN, BEN]) expect((await world().api("POST", "/api/users", user)).status).toBe(201);
    const annContext = await signedIn(ANN);
    const benContext = await signedIn(BEN);
    try {
      // Ann deploys from the form; the rollout waits for approval and she may only abort it.
      const ann = await annContext.newPage();
      await ann.goto(world().apiUrl);
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
