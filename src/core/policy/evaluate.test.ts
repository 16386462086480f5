import { describe, expect, it } from "vitest";
import type { Attestation, EvidenceSummary } from "../evidence/types.js";
import { evaluatePolicy } from "./evaluate.js";
import { refusalMessage, type ReleasePolicy } from "./types.js";

let nextId = 1;
const attest = (
  summary: EvidenceSummary,
  format: Attestation["format"],
  source: Attestation["source"] = { file: "r", runId: 41, job: "test" },
): Attestation => ({
  id: nextId++,
  service: "web",
  version: "1.4.0",
  kind: summary.kind,
  format,
  digest: "sha256:00",
  source,
  summary,
  recordedAt: "2026-12-06T10:00:00.000Z",
  recordedBy: "ci",
});

const policy = (p: Partial<ReleasePolicy> = {}): ReleasePolicy => ({
  require: [],
  noFailedTests: true,
  allow: [],
  noSastErrors: true,
  noSecrets: true,
  secretScan: { allowPaths: [], allowRules: [] },
  blockedVersions: [],
  ...p,
});

const NOW = Date.parse("2026-12-06T12:00:00Z");
const judge = (
  p: ReleasePolicy,
  attestations: Attestation[],
  extra: { version?: string; ref?: string } = {},
) =>
  evaluatePolicy({
    environment: "production",
    service: "web",
    version: extra.version ?? "1.4.0",
    ...(extra.ref ? { ref: extra.ref } : {}),
    policy: p,
    attestations,
    now: NOW,
  });

const coverage = (pct: number, source?: Attestation["source"]) =>
  attest({ kind: "coverage", lines: { covered: pct, total: 100, pct } }, "lcov", source);
const vulns = (
  findings: {
    id: string;
    aliases?: string[];
    severity: "low" | "moderate" | "high" | "critical";
    fixable: boolean;
  }[],
) =>
  attest(
    {
      kind: "vulnerabilities",
      counts: { low: 0, moderate: 0, high: 0, critical: 0 },
      findings: findings.map((f) => ({ aliases: [], package: "pkg", ...f })),
    },
    "npm-audit",
  );

describe("evaluatePolicy", () => {
  it("admits everything without a policy", () => {
    expect(
      evaluatePolicy({ environment: "dev", service: "web", version: "latest", attestations: [], now: NOW }),
    ).toMatchObject({ allowed: true, checks: [] });
  });

  it("names the failed coverage rule with its evidence, reading the newest report", () => {
    const verdict = judge(policy({ minCoverage: 90 }), [coverage(95), coverage(84.2)]);
    expect(verdict.allowed).toBe(false);
    expect(refusalMessage(verdict)).toBe(
      "web 1.4.0 is refused by the production policy: coverage 84.2 % < 90 % (lcov from run 41, job test)",
    );
    expect(judge(policy({ minCoverage: 90 }), [coverage(84.2), coverage(90)]).allowed).toBe(true);
  });

  it("requires attestations and refuses failed tests", () => {
    const tests = attest({ kind: "tests", tests: 3, passed: 1, failed: 1, skipped: 1 }, "junit", {
      file: "junit.xml",
    });
    const verdict = judge(policy({ require: ["tests", "sast"] }), [tests]);
    expect(verdict.checks.filter((c) => !c.ok).map((c) => c.message)).toEqual([
      "required attestation missing: sast",
      "tests: 1 failed, 1 passed, 1 skipped (junit from junit.xml)",
    ]);
  });

  it("caps severity separately for fixable and unfixable vulnerabilities", () => {
    const p = policy({ maxSeverity: "moderate", maxUnfixableSeverity: "high" });
    expect(judge(p, [vulns([{ id: "GHSA-a", severity: "high", fixable: false }])]).allowed).toBe(true);
    const fixable = judge(p, [vulns([{ id: "GHSA-b", severity: "high", fixable: true }])]);
    expect(fixable.allowed).toBe(false);
    expect(fixable.checks[0]?.message).toContain("GHSA-b (pkg) high, fixable");
    expect(judge(p, [vulns([{ id: "GHSA-c", severity: "critical", fixable: false }])]).allowed).toBe(false);
  });

  it("honours the CVE allowlist by id or alias until the end of its day, and says when it expired", () => {
    const log4shell = vulns([
      { id: "GHSA-jfh8", aliases: ["CVE-2021-44228"], severity: "critical", fixable: true },
    ]);
    const until = (day: string) =>
      policy({ maxSeverity: "high", allow: [{ id: "CVE-2021-44228", until: day }] });
    expect(judge(until("2026-12-06"), [log4shell]).allowed).toBe(true);
    const expired = judge(until("2026-12-05"), [log4shell]);
    expect(expired.allowed).toBe(false);
    expect(expired.checks[0]?.message).toContain(
      "allowlist entry expired: CVE-2021-44228 (until 2026-12-05)",
    );
  });

  it("refuses SARIF error-level results and found secrets", () => {
    const sast = attest(
      {
        kind: "sast",
        tools: ["semgrep"],
        counts: { error: 2, warning: 0, note: 0 },
        errors: [{ rule: "sqli", level: "error", message: "", location: "src/db.ts:12" }],
      },
      "sarif",
    );
    const secrets = attest(
      {
        kind: "secrets",
        filesScanned: 10,
        findings: [{ file: "config.js", line: 2, rule: "aws-access-key-id" }],
      },
      "secret-scan",
      { file: "release files" },
    );
    const messages = judge(policy(), [sast, secrets]).checks.map((c) => c.message);
    expect(messages).toEqual([
      "SAST: 2 error-level results, first sqli at src/db.ts:12 (sarif from run 41, job test)",
      "secret scan: 1 found, first aws-access-key-id at config.js:2 (secret-scan from release files)",
    ]);
  });

  it("blocks version patterns and refs that are not allowed sources", () => {
    const p = policy({
      blockedVersions: ["latest", "dev", "*-snapshot"],
      sources: { branches: ["main", "release/*"], tags: ["v*"] },
    });
    expect(judge(p, [], { version: "2.0-snapshot", ref: "main" }).checks.find((c) => !c.ok)?.message).toBe(
      'version 2.0-snapshot matches the blocked pattern "*-snapshot"',
    );
    expect(judge(p, [], { ref: "release/1.4" }).allowed).toBe(true);
    expect(judge(p, [], { ref: "refs/tags/v1.4.0" }).allowed).toBe(true);
    expect(judge(p, [], { ref: "refs/heads/v1.4.0" }).allowed).toBe(false);
    expect(judge(p, [], { ref: "feature/x" }).checks.find((c) => !c.ok)?.message).toBe(
      "source ref feature/x is not an allowed source (branch main, branch release/*, tag v*)",
    );
  });
});
