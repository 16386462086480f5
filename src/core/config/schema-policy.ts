import { z } from "zod";
import { EVIDENCE_KINDS, SEVERITIES } from "../evidence/types.js";
import type { ReleasePolicy } from "../policy/types.js";

/**
 * slipway.yaml `environments.<name>.policy` — what a release's evidence must show before it is
 * deployed there (docs/policies.md). Normalized into ReleasePolicy by `normalizePolicy`.
 *
 * @example
 * environments:
 *   production:
 *     policy:
 *       require: [tests, coverage, vulnerabilities, sast]
 *       minCoverage: 90
 *       vulnerabilities: { maxSeverity: moderate, maxUnfixableSeverity: high }
 *       blockedVersions: [latest, dev, test]
 */
const KIND_EXPECTED = `expected one of ${EVIDENCE_KINDS.map((k) => `"${k}"`).join(", ")}`;
const severity = z.enum(["none", ...SEVERITIES], {
  error: `expected "none", ${SEVERITIES.map((s) => `"${s}"`).join(", ")}`,
});
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const environmentPolicySchema = z
  .strictObject({
    require: z
      .array(z.enum(EVIDENCE_KINDS, { error: KIND_EXPECTED }))
      .default([])
      .describe("Attestation kinds a release must carry: tests, coverage, vulnerabilities, sast, secrets."),
    minCoverage: z
      .number({ error: "expected a percentage (a number from 0 to 100)" })
      .min(0, { error: "expected a percentage (a number from 0 to 100)" })
      .max(100, { error: "expected a percentage (a number from 0 to 100)" })
      .optional()
      .describe("Least line coverage in percent, from the newest coverage report."),
    noFailedTests: z
      .boolean({ error: "expected true or false" })
      .default(true)
      .describe("Refuse a release whose newest test report has a failed test."),
    vulnerabilities: z
      .strictObject({
        maxSeverity: severity.optional().describe("Highest severity allowed when a fix exists."),
        maxUnfixableSeverity: severity
          .optional()
          .describe("Highest severity allowed when no fix exists (default: maxSeverity)."),
        allow: z
          .array(
            z.strictObject({
              id: z.string({ error: "expected an advisory id (CVE-…, GHSA-…)" }).min(1),
              until: z
                .string({ error: "expected a date YYYY-MM-DD" })
                .refine((d) => DATE.test(d) && !Number.isNaN(Date.parse(d)), {
                  error: "expected a date YYYY-MM-DD",
                }),
              reason: z.string().optional(),
            }),
          )
          .default([])
          .describe("Advisories accepted until the end of a day (UTC), by id or alias."),
      })
      .optional()
      .describe("Vulnerability limits, from the newest npm audit / OSV report."),
    noSastErrors: z
      .boolean({ error: "expected true or false" })
      .default(true)
      .describe("Refuse a release whose newest SARIF report has an error-level result."),
    noSecrets: z
      .boolean({ error: "expected true or false" })
      .default(true)
      .describe("Refuse a release whose newest secret scan found something."),
    secretScan: z
      .strictObject({
        allowPaths: z
          .array(z.string().min(1))
          .default([])
          .describe("File globs (relative to the release) the scan skips, e.g. test fixtures."),
        allowRules: z
          .array(z.string().min(1))
          .default([])
          .describe('Scan rules to ignore, e.g. "high-entropy-secret".'),
      })
      .prefault({})
      .describe("The allowlist of Slipway's secret scan of the release's files."),
    blockedVersions: z
      .array(z.string().min(1))
      .default([])
      .describe('Version globs never deployed here, e.g. ["latest", "dev", "test", "*-snapshot"].'),
    sources: z
      .strictObject({
        branches: z.array(z.string().min(1)).default([]).describe("Branch globs releases may be built from."),
        tags: z.array(z.string().min(1)).default([]).describe("Tag globs releases may be built from."),
      })
      .optional()
      .describe("When set, a release's ref must match one of these branches or tags."),
  })
  .describe("What a release's evidence must show before it is deployed here (docs/policies.md).");

export type RawEnvironmentPolicy = z.output<typeof environmentPolicySchema>;

export function normalizePolicy(p: RawEnvironmentPolicy): ReleasePolicy {
  return {
    require: [...new Set(p.require)],
    ...(p.minCoverage !== undefined && { minCoverage: p.minCoverage }),
    noFailedTests: p.noFailedTests,
    ...(p.vulnerabilities?.maxSeverity !== undefined && { maxSeverity: p.vulnerabilities.maxSeverity }),
    ...(p.vulnerabilities?.maxUnfixableSeverity !== undefined && {
      maxUnfixableSeverity: p.vulnerabilities.maxUnfixableSeverity,
    }),
    allow: (p.vulnerabilities?.allow ?? []).map((a) => ({
      id: a.id,
      until: a.until,
      ...(a.reason !== undefined && { reason: a.reason }),
    })),
    noSastErrors: p.noSastErrors,
    noSecrets: p.noSecrets,
    secretScan: { allowPaths: p.secretScan.allowPaths, allowRules: p.secretScan.allowRules },
    blockedVersions: p.blockedVersions,
    ...(p.sources && { sources: { branches: p.sources.branches, tags: p.sources.tags } }),
  };
}
