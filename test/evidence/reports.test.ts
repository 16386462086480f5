import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readReport } from "../../src/evidence/index.js";
import { scanDirectory } from "../../src/evidence/secret-scan.js";

const fixtures = join(import.meta.dirname, "fixtures");
let dir: string;

/**
 * Real reports: node's own test runner writes the JUnit XML and the lcov tracefile of a small
 * project here (one failing test, one skipped, one uncovered branch); `npm audit --json` is
 * network-bound, so its real output was recorded (fixtures/record-npm-audit.mjs says how).
 */
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "slipway-reports-"));
  writeFileSync(
    join(dir, "lib.mjs"),
    "export function f(x) {\n  if (x > 5) {\n    return 0;\n  }\n  return x * 2;\n}\n",
  );
  writeFileSync(
    join(dir, "lib.test.mjs"),
    [
      'import test from "node:test";',
      'import assert from "node:assert";',
      'import { f } from "./lib.mjs";',
      'test("doubles", () => assert.equal(f(1), 2));',
      'test("wrong", () => assert.equal(f(2), 5));',
      'test.skip("later", () => {});',
    ].join("\n"),
  );
  try {
    execFileSync(
      process.execPath,
      [
        "--test",
        "--experimental-test-coverage",
        "--test-reporter=junit",
        "--test-reporter-destination=junit.xml",
        "--test-reporter=lcov",
        "--test-reporter-destination=lcov.info",
        "lib.test.mjs",
      ],
      { cwd: dir, stdio: "pipe" },
    );
  } catch {
    // exit 1: one test fails on purpose
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("reading standard reports", () => {
  it("counts node --test's JUnit output: passed, failed, skipped", () => {
    const report = readReport("junit.xml", readFileSync(join(dir, "junit.xml")));
    expect(report).toMatchObject({ kind: "tests", format: "junit" });
    expect(report.summary).toEqual({ kind: "tests", tests: 3, passed: 1, failed: 1, skipped: 1 });
    expect(report.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("sums node --test's lcov tracefile into line coverage", () => {
    const text = readFileSync(join(dir, "lcov.info"), "utf8");
    const report = readReport("lcov.info", text);
    expect(report.format).toBe("lcov");
    // Recomputed independently from the tracefile's DA: lines.
    const da = [...text.matchAll(/^DA:\d+,(\d+)/gm)].map((m) => Number(m[1]));
    const covered = da.filter((n) => n > 0).length;
    expect(report.summary).toMatchObject({ lines: { total: da.length, covered } });
    expect(covered).toBeLessThan(da.length); // `return 0` never ran
  });

  it("reads recorded `npm audit --json` output: one finding per advisory, fixable when npm offers a fix", () => {
    const report = readReport("npm-audit.json", readFileSync(join(fixtures, "npm-audit.json")));
    expect(report.format).toBe("npm-audit");
    expect(report.summary).toMatchObject({ counts: { critical: 1, high: 1, moderate: 1, low: 0 } });
    const ids = (report.summary as { findings: { id: string; fixable: boolean }[] }).findings;
    expect(ids.map((f) => f.id).sort()).toEqual([
      "GHSA-29mw-wpgm-hmr9",
      "GHSA-35jh-r3h4-6jhm",
      "GHSA-xvch-5gv4-984h",
    ]);
    expect(ids.every((f) => f.fixable)).toBe(true);
  });

  it("reads Istanbul summaries, Cobertura, OSV and SARIF", () => {
    const istanbul = JSON.stringify({ total: { lines: { total: 200, covered: 168, skipped: 0, pct: 84 } } });
    expect(readReport("coverage-summary.json", istanbul).summary).toMatchObject({ lines: { pct: 84 } });
    const cobertura = `<?xml version="1.0" ?>\n<coverage line-rate="0.9" lines-valid="10" lines-covered="9" branch-rate="1" version="7.4"><packages/></coverage>`;
    expect(readReport("coverage.xml", cobertura)).toMatchObject({
      format: "cobertura",
      summary: { lines: { pct: 90 } },
    });
    const osv = {
      results: [
        {
          packages: [
            {
              package: { name: "log4j-core", ecosystem: "Maven" },
              vulnerabilities: [
                {
                  id: "GHSA-jfh8-c2jp-5v3q",
                  aliases: ["CVE-2021-44228"],
                  affected: [{ ranges: [{ events: [{ introduced: "2.0" }, { fixed: "2.15.0" }] }] }],
                },
              ],
              groups: [{ ids: ["GHSA-jfh8-c2jp-5v3q", "CVE-2021-44228"], max_severity: "10.0" }],
            },
          ],
        },
      ],
    };
    expect(readReport("osv.json", JSON.stringify(osv)).summary).toMatchObject({
      findings: [
        { id: "GHSA-jfh8-c2jp-5v3q", aliases: ["CVE-2021-44228"], severity: "critical", fixable: true },
      ],
    });
    const sarif = {
      version: "2.1.0",
      runs: [
        {
          tool: {
            driver: { name: "semgrep", rules: [{ id: "sqli", defaultConfiguration: { level: "error" } }] },
          },
          results: [
            {
              ruleId: "sqli",
              message: { text: "SQL built from input" },
              locations: [
                { physicalLocation: { artifactLocation: { uri: "src/db.ts" }, region: { startLine: 12 } } },
              ],
            },
            { ruleId: "style", level: "note", message: { text: "x" } },
          ],
        },
      ],
    };
    expect(readReport("scan.sarif", JSON.stringify(sarif)).summary).toEqual({
      kind: "sast",
      tools: ["semgrep"],
      counts: { error: 1, warning: 0, note: 1 },
      errors: [{ rule: "sqli", level: "error", message: "SQL built from input", location: "src/db.ts:12" }],
    });
  });

  it("refuses malformed reports naming the file, line and column", () => {
    const junit = readFileSync(join(dir, "junit.xml"), "utf8");
    const broken = junit.replace("</testsuites>", "");
    expect(() => readReport("junit.xml", broken)).toThrow(/^junit\.xml:\d+:\d+: not well-formed XML/);
    expect(() =>
      readReport("audit.json", '{\n  "auditReportVersion": 2,\n  "vulnerabilities": {,\n}'),
    ).toThrow(/^audit\.json:3:\d+: not valid JSON/);
    expect(() => readReport("lcov.info", "TN:\nSF:a.js\nDA:1,1\nthis is not lcov\n")).toThrow(
      /^lcov\.info:4:1: not an lcov tracefile/,
    );
    expect(() => readReport("x.sarif", '{\n "version": "1.0",\n "runs": []\n}')).toThrow(
      /^x\.sarif:2:1: not a SARIF 2\.1\.0 log/,
    );
    expect(() => readReport("junit.xml", junit, "coverage")).toThrow(
      /expected a coverage report, but this is junit/,
    );
  });
});

describe("secret scan", () => {
  it("finds known token formats and high-entropy assignments, honouring the allowlist", () => {
    const root = mkdtempSync(join(tmpdir(), "slipway-secrets-"));
    try {
      const aws = ["AKIA", "Z7Q4N2XK5VW3JH8R"].join(""); // split so this file is not itself a finding
      writeFileSync(join(root, "config.js"), `const region = "eu";\nconst key = "${aws}";\n`);
      writeFileSync(
        join(root, "env.js"),
        `export const apiKey = "q8Zr3Lm0Xv7Tn2Kp9Wd4Hs6Bj1Fc5Gy";\nexport const title = "a perfectly ordinary sentence here";\n`,
      );
      writeFileSync(join(root, "fixture.test.js"), `const k = "${aws}";\n`);
      writeFileSync(join(root, "docs.md"), `example: ${aws} // slipway:allow-secret\n`);
      const summary = scanDirectory(root, { paths: ["**/*.test.js"], rules: [] });
      expect(summary.filesScanned).toBe(4);
      expect(summary.findings).toEqual([
        { file: "config.js", line: 2, rule: "aws-access-key-id" },
        { file: "env.js", line: 1, rule: "high-entropy-secret" },
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
