// The content-platform example end to end: its workflow runs lint, tests and a build only for the
// services a push changed, then deploys to staging on main and to production on a v*.*.* tag.
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExample, git, jobsThatRan, runCli, type RunJson } from "./helpers.js";

describe("examples/content-platform", () => {
  let example: ReturnType<typeof createExample>;
  beforeAll(() => {
    example = createExample("content-platform");
  });
  afterAll(() => example?.cleanup());

  it("a push to main touching one service runs that service's jobs only, then staging", async () => {
    appendFileSync(join(example.dir, "services/content/src/logic.js"), "// drafts are numbered from 1\n");
    git(example.dir, "commit", "-qam", "content: comment");

    const affected = await runCli(["affected", "--json"], example.dir);
    expect(affected.code).toBe(0);
    expect((JSON.parse(affected.stdout) as { affected: string[] }).affected).toEqual(["content"]);

    const result = await runCli(["run", "--event", "push", "--json"], example.dir);
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    const run = JSON.parse(result.stdout) as RunJson;
    expect(run.conclusion).toBe("success");
    expect(jobsThatRan(run)).toEqual([
      "build[content]",
      "changes",
      "deploy-staging",
      "lint[content]",
      "unit-tests[content]",
    ]);
    expect(run.jobs.find((j) => j.id === "deploy-production")?.conclusion).toBe("skipped");

    const logs = await runCli(["logs", run.runId, "--job", "deploy-staging"], example.dir);
    expect(logs.stdout).toMatch(/staging: deployed content@1\.0\.0/);
    expect(logs.stdout).not.toMatch(/deployed gateway/);
  }, 300_000);

  it("a change to the shared package reaches every service through the filters and the dependency graph", async () => {
    appendFileSync(join(example.dir, "packages/common/index.js"), "// shared by every service\n");
    git(example.dir, "commit", "-qam", "common: comment");
    const affected = await runCli(["affected", "--json"], example.dir);
    const report = JSON.parse(affected.stdout) as {
      affected: string[];
      services: { name: string; reasons: string[] }[];
    };
    expect(report.affected).toEqual(["gateway", "research", "brand", "content", "agent"]);
    // slipway.yaml declares the services; packages/common is a workspace package each depends on.
    expect(report.services.find((s) => s.name === "agent")?.reasons).toEqual(["depends on @plasma/common"]);
  }, 300_000);

  it("a v*.*.* tag builds every service and deploys to production, not staging", async () => {
    git(example.dir, "tag", "v1.0.0");
    const result = await runCli(["run", "--event", "push", "--ref", "v1.0.0", "--json"], example.dir);
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    const run = JSON.parse(result.stdout) as RunJson;
    const ran = jobsThatRan(run);
    for (const service of ["gateway", "research", "brand", "content", "agent"]) {
      expect(ran).toContain(`build[${service}]`);
      expect(ran).toContain(`unit-tests[${service}]`);
    }
    expect(ran).toContain("deploy-production");
    expect(ran).not.toContain("deploy-staging");
  }, 300_000);

  it("a failing unit test stops the build and the deploy", async () => {
    git(example.dir, "checkout", "-q", "main");
    appendFileSync(
      join(example.dir, "services/brand/test/logic.test.js"),
      'test("brand: a broken expectation", () => assert.equal(check("synergy").ok, true));\n',
    );
    git(example.dir, "commit", "-qam", "brand: broken test");
    const result = await runCli(["run", "--event", "push", "--json"], example.dir);
    expect(result.code).toBe(1);
    const run = JSON.parse(result.stdout) as RunJson;
    expect(run.jobs.find((j) => j.id === "unit-tests")?.conclusion).toBe("failure");
    expect(run.jobs.find((j) => j.id === "build")?.conclusion).toBe("skipped");
    expect(run.jobs.find((j) => j.id === "deploy-staging")?.conclusion).toBe("skipped");
  });
});
