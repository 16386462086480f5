// The widget-platform example end to end on a release branch: quality gate, 4 widget builds and
// 4 service builds in parallel, artifacts assembled by staging, then production.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExample, git, jobsThatRan, runCli, type RunJson } from "./helpers.js";

const PLATFORMS = ["shopify", "magento", "woocommerce", "html"];
const SERVICES = ["auth-service", "ai-service", "recommendation-service", "face-service"];

describe("examples/widget-platform", () => {
  let example: ReturnType<typeof createExample>;
  beforeAll(() => {
    example = createExample("widget-platform");
  }, 120_000);
  afterAll(() => example?.cleanup());

  it("a push to release/* runs every matrix, hands artifacts to staging, then production", async () => {
    git(example.dir, "checkout", "-q", "-b", "release/1.4");
    const result = await runCli(["run", "--event", "push", "--json"], example.dir, 420_000);
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    const run = JSON.parse(result.stdout) as RunJson;
    expect(jobsThatRan(run)).toEqual(
      [
        "quality-gate",
        "unit-tests",
        ...PLATFORMS.map((p) => `widget-build[${p}]`),
        ...SERVICES.map((s) => `service-build[${s}]`),
        "deploy-staging",
        "deploy-production",
      ].sort(),
    );

    // The first job installs and saves node_modules; the widget jobs restore it (actions/cache).
    const gate = await runCli(["logs", run.runId, "--job", "quality-gate"], example.dir);
    expect(gate.stdout).toMatch(/Cache saved with key: node-modules-/);
    const widgets = await runCli(["logs", run.runId, "--job", "widget-build"], example.dir);
    expect(widgets.stdout.match(/Cache restored from key: node-modules-/g)).toHaveLength(4);
    for (const platform of PLATFORMS)
      expect(widgets.stdout).toMatch(new RegExp(`widget ${platform}: varai-${platform}\\.[0-9a-f]{8}\\.js`));

    // Staging found all eight artifacts, checked their checksums and assembled the release.
    const staging = await runCli(["logs", run.runId, "--job", "deploy-staging"], example.dir);
    expect(staging.stdout).toMatch(/staging: assembled 4 widgets and 4 services/);
    const production = await runCli(["logs", run.runId, "--job", "deploy-production"], example.dir);
    expect(production.stdout).toMatch(/production: assembled 4 widgets and 4 services/);
  }, 480_000);

  it("a push to a branch the workflow does not list runs nothing", async () => {
    git(example.dir, "checkout", "-q", "-b", "experiment");
    const result = await runCli(["run", "--event", "push", "--json"], example.dir);
    expect(result.stdout + result.stderr).toMatch(/skipped|no workflow/i);
  }, 120_000);
});
