import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUp, type RunningUp } from "../support/slipway-up.js";
import { projectYaml, START_SCRIPT, withoutBaselineTrigger } from "../rollouts/world.js";

/**
 * A release gated on its evidence, through the public surface: `slipway up` (the real server and
 * proxy), the CLI attaching reports that node's own test runner produced here, and deploys that
 * the production policy refuses (low coverage, a blocked version) or admits after the fix.
 */
const BIN = resolve(import.meta.dirname, "../../bin/slipway.js");
const dir = mkdtempSync(join(tmpdir(), "slipway-policy-"));
let up: RunningUp | undefined;

const POLICY = `    policy:
      require: [tests, coverage]
      minCoverage: 90
      blockedVersions: [latest, dev, test]
`;

function cli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    encoding: "utf8",
    timeout: 45_000,
    env: {
      ...process.env,
      NO_COLOR: "1",
      SLIPWAY_URL: "",
      SLIPWAY_TOKEN: "",
      GITHUB_RUN_ID: "",
      GITHUB_JOB: "",
      ...env,
    },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the project's tests with node --test, writing JUnit and lcov into `out`; answers the line %. */
function runTests(out: string, tests: string[]): number {
  const work = join(dir, "ci", out);
  mkdirSync(work, { recursive: true });
  writeFileSync(
    join(work, "price.mjs"),
    [
      "export function price(cents, country) {",
      '  if (country === "DE") {',
      "    const vat = Math.round(cents * 0.19);",
      "    const total = cents + vat;",
      "    return total;",
      "  }",
      '  if (country === "FR") {',
      "    const vat = Math.round(cents * 0.2);",
      "    const total = cents + vat;",
      "    return total;",
      "  }",
      "  return cents;",
      "}",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(work, "price.test.mjs"),
    [
      'import test from "node:test";',
      'import assert from "node:assert";',
      'import { price } from "./price.mjs";',
      ...tests,
    ].join("\n"),
  );
  const run = spawnSync(
    process.execPath,
    [
      "--test",
      "--experimental-test-coverage",
      "--test-reporter=junit",
      "--test-reporter-destination=junit.xml",
      "--test-reporter=lcov",
      "--test-reporter-destination=lcov.info",
      "price.test.mjs",
    ],
    { cwd: work, encoding: "utf8", timeout: 30_000 },
  );
  expect(run.status).toBe(0);
  const lcov = readFileSync(join(work, "lcov.info"), "utf8");
  const sum = (key: string) =>
    [...lcov.matchAll(new RegExp(`^${key}:(\\d+)`, "gm"))].reduce((n, m) => n + Number(m[1]), 0);
  return Math.round((sum("LH") / sum("LF")) * 10_000) / 100;
}

function history(): { type: string; message: string; reason?: string }[] {
  const r = cli(["history", "--json", "--limit", "50"]);
  return JSON.parse(r.stdout) as { type: string; message: string; reason?: string }[];
}

beforeAll(async () => {
  mkdirSync(join(dir, "web"));
  writeFileSync(join(dir, "slipway.yaml"), withoutBaselineTrigger(projectYaml("1s", POLICY)));
  writeFileSync(join(dir, "web", "start.mjs"), START_SCRIPT);
  writeFileSync(join(dir, "web", "faults.json"), "{}");
  up = await startUp(dir);
}, 60_000);

afterAll(async () => {
  await up?.stop();
}, 30_000);

describe("release policy through the CLI and `slipway up`", { timeout: 180_000 }, () => {
  it("refuses a release with low coverage naming the rule and its evidence, audits it, and admits the fixed release", () => {
    const low = runTests("v1", ['test("germany", () => assert.equal(price(100, "DE"), 119));']);
    expect(low).toBeLessThan(90);
    const added = cli([
      "evidence",
      "add",
      "ci/v1/junit.xml",
      "ci/v1/lcov.info",
      "--service",
      "web",
      "--version",
      "v1",
      "--run",
      "41",
      "--job",
      "test",
    ]);
    expect(added.stderr).toBe("");
    expect(added.stdout).toMatch(/tests\s+1 passed, 0 failed, 0 skipped/);
    expect(added.stdout).toContain(`lines ${low} %`);

    const refused = cli(["deploy", "web", "--env", "production", "--version", "v1"]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain(`coverage ${low} % < 90 % (lcov from run 41, job test)`);
    const events = history();
    expect(events.find((e) => e.type === "deploy.policy-refused")?.message).toContain(
      `coverage ${low} % < 90 %`,
    );

    const listed = cli(["evidence", "list", "web", "v1"]);
    expect(listed.stdout).toMatch(/production: refused/);
    expect(listed.stdout).toContain(`✗ coverage ${low} % < 90 %`);

    // The fix: a test for each branch. Same pipeline, new version.
    const fixed = runTests("v2", [
      'test("germany", () => assert.equal(price(100, "DE"), 119));',
      'test("france", () => assert.equal(price(100, "FR"), 120));',
      'test("elsewhere", () => assert.equal(price(100, "US"), 100));',
    ]);
    expect(fixed).toBeGreaterThanOrEqual(90);
    expect(
      cli(["evidence", "add", "ci/v2/junit.xml", "ci/v2/lcov.info", "--service", "web", "--version", "v2"], {
        GITHUB_RUN_ID: "42",
        GITHUB_JOB: "test",
      }).status,
    ).toBe(0);
    const accepted = cli(["deploy", "web", "--env", "production", "--version", "v2", "--wait"]);
    expect(accepted.stderr).toBe("");
    expect(accepted.stdout).toContain("promoted v2");
  });

  it("refuses blocked versions and releases without the required evidence", () => {
    const latest = cli(["deploy", "web", "--env", "production", "--version", "latest"]);
    expect(latest.status).not.toBe(0);
    expect(latest.stderr).toContain('version latest matches the blocked pattern "latest"');
    expect(latest.stderr).toContain("required attestation missing: tests");
    expect(latest.stderr).toContain("required attestation missing: coverage");
  });

  it("refuses a malformed report naming the file and line, recording nothing", () => {
    const junit = readFileSync(join(dir, "ci", "v2", "junit.xml"), "utf8");
    writeFileSync(join(dir, "ci", "broken.xml"), junit.replace("</testsuites>", ""));
    const before = cli(["evidence", "list", "web", "v3", "--json"]).stdout;
    const bad = cli([
      "evidence",
      "add",
      "ci/v2/lcov.info",
      "ci/broken.xml",
      "--service",
      "web",
      "--version",
      "v3",
    ]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/broken\.xml:\d+:\d+: not well-formed XML/);
    // lcov.info went first and was recorded; broken.xml was not.
    const after = JSON.parse(cli(["evidence", "list", "web", "v3", "--json"]).stdout) as {
      attestations: { source: { file: string } }[];
    };
    expect(JSON.parse(before)).toMatchObject({ attestations: [] });
    expect(after.attestations.map((a) => a.source.file)).toEqual(["lcov.info"]);
  });

  it("lets only an admin override the policy, with a reason, and audits the override", () => {
    const deployer = cli(["token", "create", "ci-deployer", "--role", "deployer", "--json"]);
    const token = (JSON.parse(deployer.stdout) as { token: string }).token;
    const forbidden = cli(
      ["deploy", "web", "--env", "production", "--version", "v1", "--override-policy", "--reason", "hotfix"],
      {
        SLIPWAY_TOKEN: token,
      },
    );
    expect(forbidden.status).not.toBe(0);
    expect(forbidden.stderr).toContain("only an admin may override the production release policy");
    expect(
      cli(["deploy", "web", "--env", "production", "--version", "v1", "--override-policy"]).stderr,
    ).toContain("--override-policy needs --reason");

    const overridden = cli([
      "deploy",
      "web",
      "--env",
      "production",
      "--version",
      "v1",
      "--override-policy",
      "--reason",
      "hotfix for outage",
    ]);
    expect(overridden.stderr).toBe("");
    expect(overridden.stdout).toMatch(/rollout .*v2 → v1/);
    const event = history().find((e) => e.type === "rollout.policy-override");
    expect(event?.reason).toBe("hotfix for outage");
    expect(event?.message).toContain("coverage");
  });
});
