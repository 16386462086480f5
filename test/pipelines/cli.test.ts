import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepo, runCli, type TestRepo } from "./helpers.js";

// Spawns the built CLI (`npm run build` first, as `npm test` does).
describe("slipway run / runs / logs", () => {
  let target: TestRepo;
  beforeAll(() => {
    target = makeRepo(["secrets.yml", "status.yml", "invalid-schema.yml"]);
  });
  afterAll(() => target.cleanup());

  it("exits 2 naming file:line:col for an invalid workflow", async () => {
    const result = await runCli(["run", "-W", ".github/workflows/invalid-schema.yml"], { cwd: target.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "slipway: .github/workflows/invalid-schema.yml:8:9: Unexpected value 'bogus-key'",
    );
    const badFlag = await runCli(["run", "--event", "release"], { cwd: target.dir });
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("--event release: expected one of push, pull_request");
  });

  it("prints the JSON document, stores masked logs, lists runs and prints logs", async () => {
    const secretsFile = join(target.dir, ".slipway-secrets.env");
    writeFileSync(secretsFile, 'DEPLOY_KEY="-----BEGIN KEY-----\nMIIEsecretline\n-----END KEY-----"\n');
    const run = await runCli(
      ["run", "-W", ".github/workflows/secrets.yml", "--json", "--secrets-file", secretsFile],
      { cwd: target.dir, env: { SLIPWAY_SECRET_API_TOKEN: "tok-9f8e7d6c5b" } },
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout) as Record<string, unknown> & { jobs: Record<string, unknown>[] };
    expect(Object.keys(document)).toEqual(["runId", "workflow", "event", "conclusion", "durationMs", "jobs"]);
    expect(document).toMatchObject({ workflow: "Secrets", event: "push", conclusion: "success" });
    expect(Object.keys(document.jobs[0] ?? {})).toEqual([
      "id",
      "name",
      "matrix",
      "conclusion",
      "outputs",
      "steps",
    ]);
    expect(document.jobs[0]).toMatchObject({
      id: "leak",
      matrix: null,
      steps: [{ name: "tries to leak", outcome: "success", conclusion: "success" }],
    });
    expect(run.stdout).not.toContain("tok-9f8e7d6c5b");

    const runs = await runCli(["runs", "--json"], { cwd: target.dir });
    expect(runs.code).toBe(0);
    const listed = JSON.parse(runs.stdout) as { runId: string; conclusion: string; workflow: string }[];
    expect(listed[0]).toMatchObject({ runId: document.runId, conclusion: "success", workflow: "Secrets" });

    const logs = await runCli(["logs", String(document.runId), "--job", "leak"], { cwd: target.dir });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain("plain: ***");
    expect(logs.stdout).toContain("base64: ***");
    expect(logs.stdout).not.toContain("tok-9f8e7d6c5b");
    expect(logs.stdout).not.toContain("MIIEsecretline");

    const missing = await runCli(["logs", "999"], { cwd: target.dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("run 999 does not exist");
  });

  it("prints plain lines prefixed by job and step, and exits 1 when the run fails", async () => {
    const result = await runCli(["run", "-W", ".github/workflows/status.yml"], { cwd: target.dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("[test] breaks | about to fail");
    expect(result.stdout).toContain("[test] ✗ breaks: failure");
    expect(result.stdout).toContain("[build] ✓ Run exit 3: success (outcome failure)");
    expect(result.stdout).toMatch(/✗ Status: failure in/);
  });
});
