// The widget-platform example's release gate end to end: its pipeline (`slipway run`) writes JUnit
// and lcov reports with node's own reporters and uploads them as an artifact; they are attached to
// the version as evidence; moving the widget's `stable` alias (production, coverage >= 90 %) is
// refused for low coverage naming the report, overridden by an admin with a reason, then accepted
// for the next version once a test is added; and rolled back in one command. Served by the proxy
// of a real `slipway up`.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli as runBuiltCli } from "../pipelines/helpers.js";
import { startUp, type RunningUp } from "../support/slipway-up.js";
import { buildWidgets, createExample, git, linkEsbuild, proxyUrlOf, type RunJson } from "./helpers.js";

/** The fix: the widget's rendering gets its test. */
const RENDER_TEST = `import assert from "node:assert/strict";
import { test } from "node:test";
import { render } from "../../widgets/core/render.js";

globalThis.__VERSION__ = "test";
const { createWidget } = await import("../../widgets/core/widget.js");

test("renders escaped markup and mounts it where the adapter says", () => {
  assert.match(render("html", [{ sku: "A1", name: "Aviator <Gold>", price: 150 }], "EUR"), /Aviator &#60;Gold&#62; <span>EUR 150.00/);
  const widget = createWidget({ platform: "html", selector: "[data-varai]", currency: () => "EUR", catalogue: (d) => d.frames });
  const host = { innerHTML: "" };
  const page = { frames: [{ sku: "W1", name: "Wayfarer", style: "wayfarer", price: 99 }], querySelector: (s) => (s === "[data-varai]" ? host : null) };
  const round = { width: 140, length: 150, jaw: 120, forehead: 125 };
  assert.equal(widget.mount(page, round), true);
  assert.match(host.innerHTML, /varai-html.*data-sku="W1"/);
  assert.equal(widget.mount({ querySelector: () => null }, round), false);
});
`;

describe("examples/widget-platform: the stable alias moves on evidence", () => {
  let example: ReturnType<typeof createExample>;
  let up: RunningUp | undefined;
  let base = "";

  const cli = (...args: string[]) =>
    runBuiltCli(args, {
      cwd: example.dir,
      timeoutMs: 60_000,
      env: { SLIPWAY_URL: "", SLIPWAY_TOKEN: "", GITHUB_RUN_ID: "", GITHUB_JOB: "" },
    });
  const ok = async (...args: string[]) => {
    const result = await cli(...args);
    expect(result.code, `slipway ${args.join(" ")}\n${result.stderr}`).toBe(0);
    return result;
  };
  /** The pipeline's unit-tests job (and what it needs), as a push; answers the run id. */
  const pipeline = async () => {
    const run = JSON.parse(
      (await ok("run", "--event", "push", "--job", "unit-tests", "--json")).stdout,
    ) as RunJson;
    expect(run.conclusion).toBe("success");
    return run.runId;
  };
  /** The example's build script, then `slipway assets publish` of dist/widgets as that version. */
  const publish = async (version: string, ...more: string[]) => {
    buildWidgets(example.dir, version);
    await ok("assets", "publish", "dist/widgets", "--name", "widget", "--version", version, ...more);
  };
  const stable = async () => {
    const res = await fetch(`${base}/assets/widget/stable/html/manifest.json`);
    return res.status === 200 ? res.headers.get("x-asset-version") : res.status;
  };
  const events = async () =>
    JSON.parse((await ok("history", "--json", "--limit", "50")).stdout) as {
      type: string;
      message: string;
      reason?: string;
    }[];

  beforeAll(async () => {
    example = createExample("widget-platform");
    linkEsbuild(example.dir);
    up = await startUp(example.dir);
    base = await proxyUrlOf(example.dir);
  }, 120_000);

  afterAll(async () => {
    await up?.stop();
    example?.cleanup();
  }, 30_000);

  it("refuses stable for low coverage, admits it after the fix, and rolls it back", async () => {
    // 1.4.0: the pipeline's reports, attached from the run's artifact.
    const first = await pipeline();
    const attached = await ok(
      "evidence",
      "add",
      "--artifact",
      "test-reports",
      "--run",
      first,
      "--job",
      "unit-tests",
      "--service",
      "widget",
      "--version",
      "1.4.0",
    );
    expect(attached.stdout).toMatch(/tests\s+3 passed, 0 failed, 0 skipped/);
    await publish("1.4.0", "--alias", "beta"); // beta is staging's: no policy there

    const refused = await cli("assets", "alias", "widget", "stable", "1.4.0", "--reason", "launch");
    expect(refused.code).not.toBe(0);
    const low = /coverage ([\d.]+) % < 90 % \(lcov from run (\d+), job unit-tests\)/.exec(refused.stderr);
    expect(low, refused.stderr).not.toBeNull();
    expect(Number(low?.[1])).toBeLessThan(90);
    expect(low?.[2]).toBe(first);
    expect(refused.stderr).toContain("widget stable: widget 1.4.0 is refused by the production policy");
    expect(await stable()).toBe(404);
    expect((await events()).find((e) => e.type === "assets.alias.policy-refused")?.message).toContain(
      `coverage ${low?.[1]} % < 90 %`,
    );

    // An admin may launch anyway, with a reason; the override is audited.
    expect((await cli("assets", "alias", "widget", "stable", "1.4.0", "--override-policy")).stderr).toContain(
      "--override-policy needs --reason",
    );
    await ok(
      "assets",
      "alias",
      "widget",
      "stable",
      "1.4.0",
      "--override-policy",
      "--reason",
      "launch; tested by hand",
    );
    expect(await stable()).toBe("1.4.0");
    const override = (await events()).find((e) => e.type === "assets.alias.policy-override");
    expect(override?.reason).toBe("launch; tested by hand");

    // The fix: the rendering gets a test; the next run's reports clear the bar for 1.4.1.
    writeFileSync(join(example.dir, "test/unit/render.test.js"), RENDER_TEST);
    git(example.dir, "add", "test/unit/render.test.js");
    git(example.dir, "commit", "-q", "-m", "test(widgets): rendering and mounting");
    const second = await pipeline();
    const fixed = await ok(
      "evidence",
      "add",
      "--artifact",
      "test-reports",
      "--run",
      second,
      "--job",
      "unit-tests",
      "--service",
      "widget",
      "--version",
      "1.4.1",
    );
    const pct = Number(/lines ([\d.]+) %/.exec(fixed.stdout)?.[1]);
    expect(pct).toBeGreaterThanOrEqual(90);
    await publish("1.4.1");
    const moved = await ok("assets", "alias", "widget", "stable", "1.4.1", "--reason", "release 1.4.1");
    expect(moved.stdout).toMatch(/widget stable: 1\.4\.0 → 1\.4\.1/);
    expect(await stable()).toBe("1.4.1");

    // One command back; rollbacks are not held to the policy (1.4.0 served as stable before).
    await ok("assets", "rollback", "widget", "stable", "--reason", "checkout broke");
    expect(await stable()).toBe("1.4.0");
    const history = JSON.parse((await ok("assets", "history", "widget", "stable", "--json")).stdout) as {
      history: { action: string; toVersion: string }[];
    };
    expect(history.history.map((m) => `${m.action} ${m.toVersion}`)).toEqual([
      "rollback 1.4.0",
      "move 1.4.1",
      "move 1.4.0",
    ]);
  }, 180_000);
});
