/**
 * The flags pages in headless Chromium against the real control plane: a flag file in the
 * repository (read-only here) and an API flag a deployer disables, breaks (the API's 422 problems
 * show), fixes and whose history names who changed what and why; a viewer sees no edit controls.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { horizontalOverflow, shot, dashboardSuite, startDashboardWorld, unnamedControls } from "./harness.js";

const DEPLOYER = { name: "dana", password: "flags deployer pass", role: "deployer" };
const VIEWER = { name: "vic", password: "flags viewer pass", role: "viewer" };

const checkout = (onShare: number) => ({
  state: "ENABLED",
  variants: { on: true, off: false },
  defaultVariant: "off",
  targeting: {
    if: [
      { ends_with: [{ var: "email" }, "@shop.example"] },
      "on",
      {
        fractional: [
          ["on", onShare],
          ["off", 100 - onShare],
        ],
      },
    ],
  },
  metadata: { owner: "payments" },
});

const { world, signedInPage } = dashboardSuite(() => startDashboardWorld(), {
  seed: async (world) => {
    mkdirSync(join(world.dir, "flags"), { recursive: true });
    writeFileSync(
      join(world.dir, "flags", "site.json"),
      JSON.stringify({
        flags: {
          banner: { state: "ENABLED", variants: { sale: "Spring sale", none: "" }, defaultVariant: "sale" },
        },
      }),
    );
    for (const user of [DEPLOYER, VIEWER])
      expect((await world.api("POST", "/api/users", user)).status).toBe(201);
    const created = await world.api("PUT", "/api/flags/new-checkout", {
      flag: checkout(10),
      reason: "launch to 10%",
    });
    expect(created.status).toBe(201);
    // The catalog notices new flag files by polling; wait until the file's flag is served.
    for (const deadline = Date.now() + 20_000; ; await sleep(100)) {
      const list = await world.api<{ flags: { key: string }[] }>("GET", "/api/flags");
      if (list.body.flags.length === 2) break;
      if (Date.now() > deadline)
        throw new Error(`flags/site.json not picked up: ${JSON.stringify(list.body)}`);
    }
  },
});

describe("flags pages", () => {
  it("lists flags and shows a flag's targeting as rules and a split bar", async () => {
    const { context, page } = await signedInPage(DEPLOYER);
    try {
      await page.goto(`${world().apiUrl}/flags`);
      const rows = page.locator("tbody tr");
      await expect.poll(() => rows.count()).toBe(2);
      expect(await rows.nth(0).textContent()).toMatch(/banner.*ENABLED.*static: sale.*flags\/site\.json/);
      expect(await rows.nth(1).textContent()).toMatch(/new-checkout.*ENABLED.*2 rules.*API.*by local admin/);
      expect(await unnamedControls(page)).toEqual([]);
      expect(await horizontalOverflow(page)).toBe(0);
      await shot(page, "50-flags");

      await page.getByRole("link", { name: "new-checkout" }).click();
      const rules = page.getByTestId("targeting").locator("li");
      await expect.poll(() => rules.count()).toBe(2);
      expect(await rules.nth(0).textContent()).toBe('If email ends with "@shop.example", serve on');
      expect(await rules.nth(1).textContent()).toContain("Otherwise serve");
      expect(
        await page.getByRole("img", { name: "split: on 10% · off 90% (by targeting key)" }).count(),
      ).toBe(1);
      expect(await page.getByTestId("variants").textContent()).toMatch(/off \(default\)false/);
      expect(await unnamedControls(page)).toEqual([]);
      await shot(page, "51-flag-detail");
    } finally {
      await context.close();
    }
  }, 120_000);

  it("disables with a reason, shows a refused edit's problems, saves a fixed one, and records who, what and why", async () => {
    const { context, page } = await signedInPage(DEPLOYER);
    try {
      await page.goto(`${world().apiUrl}/flags/new-checkout`);
      const disable = page.getByRole("form", { name: "Disable new-checkout" });
      await disable.getByLabel("Reason").fill("checkout errors in EU");
      await disable.getByRole("button", { name: "Disable" }).click();
      await expect.poll(() => page.getByRole("status").filter({ hasText: "Disabled." }).count()).toBe(1);
      await expect.poll(() => page.locator("dl.facts .badge").first().textContent()).toBe("DISABLED");
      const history = page.getByTestId("history").locator("tbody tr");
      await expect
        .poll(() => history.first().textContent())
        .toMatch(/dana.*disabled.*state ENABLED → DISABLED.*checkout errors in EU/);

      // A definition the schema refuses: the API's 422 problems are listed, nothing changes.
      await page.getByText("Edit definition").click();
      const edit = page.getByRole("form", { name: "Edit new-checkout" });
      await edit
        .getByLabel("Definition (flagd JSON)")
        .fill(JSON.stringify({ state: "ENABLED", variants: {}, defaultVariant: "off" }));
      await edit.getByLabel("Reason").fill("try an empty flag");
      await edit.getByRole("button", { name: "Save" }).click();
      const alert = page.getByRole("alert");
      await expect.poll(() => alert.count()).toBe(1);
      expect(await alert.locator("li").allTextContents()).toContainEqual(
        expect.stringMatching(/^\/flags\/new-checkout\/variants: /),
      );
      await shot(page, "52-flag-refused");
      expect(
        (await world().api<{ flag: { variants: object } }>("GET", "/api/flags/new-checkout")).body.flag
          .variants,
      ).toEqual({
        on: true,
        off: false,
      });

      await edit.getByLabel("Definition (flagd JSON)").fill(JSON.stringify(checkout(50)));
      await edit.getByLabel("Reason").fill("ramp to 50%");
      await edit.getByRole("button", { name: "Save" }).click();
      await expect.poll(() => page.getByRole("status").filter({ hasText: "Saved." }).count()).toBe(1);
      await expect
        .poll(() => page.getByRole("img", { name: "split: on 50% · off 50% (by targeting key)" }).count())
        .toBe(1);
      await expect
        .poll(() => history.first().textContent())
        .toMatch(/dana.*updated.*state DISABLED → ENABLED, targeting.*ramp to 50%/);
      expect(await history.count()).toBe(3);
      expect(await history.nth(2).textContent()).toMatch(/admin.*created.*launch to 10%/);
      expect(await page.getByRole("alert").count()).toBe(0);
      expect(await unnamedControls(page)).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("creates a flag from the list page", async () => {
    const { context, page } = await signedInPage(DEPLOYER);
    try {
      await page.goto(`${world().apiUrl}/flags`);
      await page.getByText("New flag").click();
      await page.getByLabel("Key").fill("dark-mode");
      await page.getByLabel("Reason").fill("design review");
      await page.getByRole("button", { name: "Create flag" }).click();
      await expect.poll(() => page.locator("h1").textContent()).toBe("dark-mode");
      await expect
        .poll(() => page.getByTestId("targeting").textContent())
        .toBe("No targeting: everyone gets off.");
      await expect
        .poll(() => page.getByTestId("history").textContent())
        .toMatch(/dana.*created.*design review/);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("shows a file's flag read-only, and a viewer no edit controls at all", async () => {
    const deployer = await signedInPage(DEPLOYER);
    try {
      await deployer.page.goto(`${world().apiUrl}/flags/banner`);
      await expect
        .poll(() =>
          deployer.page.getByRole("status").filter({ hasText: "Defined in flags/site.json" }).count(),
        )
        .toBe(1);
      expect(
        await deployer.page
          .getByRole("button")
          .filter({ hasText: /Disable|Save/ })
          .count(),
      ).toBe(0);
    } finally {
      await deployer.context.close();
    }
    const viewer = await signedInPage(VIEWER);
    try {
      await viewer.page.goto(`${world().apiUrl}/flags/new-checkout`);
      await expect
        .poll(() => viewer.page.getByTestId("history").locator("tbody tr").count())
        .toBeGreaterThan(0);
      expect(
        await viewer.page
          .getByRole("button")
          .filter({ hasText: /Disable|Enable|Save/ })
          .count(),
      ).toBe(0);
      expect(await viewer.page.getByText("Edit definition").count()).toBe(0);
      await viewer.page.goto(`${world().apiUrl}/flags`);
      await expect.poll(() => viewer.page.locator("tbody tr").count()).toBe(3);
      expect(await viewer.page.getByText("New flag").count()).toBe(0);
      await shot(viewer.page, "53-flags-viewer");
    } finally {
      await viewer.context.close();
    }
  }, 120_000);
});
