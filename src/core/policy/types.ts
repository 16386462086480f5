import type { EvidenceKind, Severity } from "../evidence/types.js";

/**
 * An environment's release policy (slipway.yaml `environments.<name>.policy`, normalized): what a
 * release's evidence must show before it may be deployed there. Every field is optional in the
 * file; an environment without `policy` admits every release.
 */
export interface ReleasePolicy {
  /** Attestation kinds a release must carry. */
  require: EvidenceKind[];
  /** Least line coverage in percent, read from the newest coverage attestation. */
  minCoverage?: number;
  /** Refuse a release whose newest test report has failed tests. */
  noFailedTests: boolean;
  /** Highest severity allowed among vulnerabilities with a fix; "none" allows none. */
  maxSeverity?: Severity | "none";
  /** Highest severity allowed among vulnerabilities without a fix (default: maxSeverity). */
  maxUnfixableSeverity?: Severity | "none";
  /** Advisories accepted until a date (end of that day, UTC), by id or alias (CVE-…, GHSA-…). */
  allow: { id: string; until: string; reason?: string }[];
  /** Refuse a SARIF report with an error-level result. */
  noSastErrors: boolean;
  /** Refuse a secret scan that found something. */
  noSecrets: boolean;
  /** What Slipway's scan of the release's files skips: path globs and rule names. */
  secretScan: { allowPaths: string[]; allowRules: string[] };
  /** Version globs that are never deployed here (`latest`, `dev`, `*-snapshot`). */
  blockedVersions: string[];
  /** When set, the release's ref must match one of these branch or tag globs. */
  sources?: { branches: string[]; tags: string[] };
}

/** One rule's outcome; `message` names the evidence it read. */
export interface PolicyCheck {
  rule:
    "required" | "coverage" | "tests" | "vulnerabilities" | "sast" | "secrets" | "blocked-version" | "source";
  ok: boolean;
  message: string;
}

export interface PolicyVerdict {
  environment: string;
  service: string;
  version: string;
  /** True when every check passed (or the environment has no policy). */
  allowed: boolean;
  checks: PolicyCheck[];
}

/** The one-line refusal: every failed rule, with its evidence. */
export function refusalMessage(verdict: PolicyVerdict): string {
  const failed = verdict.checks.filter((c) => !c.ok).map((c) => c.message);
  return `${verdict.service} ${verdict.version} is refused by the ${verdict.environment} policy: ${failed.join("; ")}`;
}
