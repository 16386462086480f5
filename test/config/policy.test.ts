import { describe, expect, it } from "vitest";
import { parseProjectConfig } from "../../src/config/load.js";

const yaml = (policy: string) => `project: { name: shop }
services:
  web: { start: node server.js }
environments:
  production:
    policy:
${policy}`;

describe("slipway.yaml environments.<name>.policy", () => {
  it("normalizes a policy with its defaults", () => {
    const config = parseProjectConfig(
      yaml(`      require: [tests, coverage]
      minCoverage: 90
      vulnerabilities:
        maxSeverity: moderate
        maxUnfixableSeverity: high
        allow: [{ id: CVE-2021-44228, until: "2027-01-31", reason: not reachable }]
      blockedVersions: [latest, dev, test]
      sources: { branches: [main], tags: ["v*"] }
`),
    );
    expect(config.environments.production?.policy).toEqual({
      require: ["tests", "coverage"],
      minCoverage: 90,
      noFailedTests: true,
      maxSeverity: "moderate",
      maxUnfixableSeverity: "high",
      allow: [{ id: "CVE-2021-44228", until: "2027-01-31", reason: "not reachable" }],
      noSastErrors: true,
      noSecrets: true,
      secretScan: { allowPaths: [], allowRules: [] },
      blockedVersions: ["latest", "dev", "test"],
      sources: { branches: ["main"], tags: ["v*"] },
    });
  });

  it("refuses bad values at file:line:col, saying what was expected", () => {
    expect(() => parseProjectConfig(yaml("      minCoverage: 190\n"), "slipway.yaml")).toThrow(
      /slipway\.yaml:7:20: .*expected a percentage \(a number from 0 to 100\)/,
    );
    expect(() => parseProjectConfig(yaml("      require: [tests, lint]\n"), "slipway.yaml")).toThrow(
      /slipway\.yaml:7:\d+: .*expected one of "tests", "coverage", "vulnerabilities", "sast", "secrets"/,
    );
    expect(() =>
      parseProjectConfig(
        yaml("      vulnerabilities: { allow: [{ id: CVE-1, until: soon }] }\n"),
        "slipway.yaml",
      ),
    ).toThrow(/slipway\.yaml:7:\d+: .*expected a date YYYY-MM-DD/);
  });
});
