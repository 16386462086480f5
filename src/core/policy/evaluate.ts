import picomatch from "picomatch";
import {
  describeSource,
  SEVERITIES,
  type Attestation,
  type CoverageSummary,
  type EvidenceKind,
  type SastSummary,
  type SecretsSummary,
  type Severity,
  type TestsSummary,
  type VulnerabilitiesSummary,
} from "../evidence/types.js";
import type { PolicyCheck, PolicyVerdict, ReleasePolicy } from "./types.js";

export interface PolicyInput {
  environment: string;
  service: string;
  version: string;
  /** The ref the release was built from (a branch or tag name, `refs/…`, or HEAD). */
  ref?: string;
  policy?: ReleasePolicy;
  attestations: readonly Attestation[];
  /** Epoch ms: allowlist entries expire against it. */
  now: number;
}

const rank = (s: Severity | "none"): number => (s === "none" ? -1 : SEVERITIES.indexOf(s));

/** The newest attestation of a kind (a later upload supersedes an earlier report). */
function newest(attestations: readonly Attestation[], kind: EvidenceKind): Attestation | undefined {
  return attestations
    .filter((a) => a.kind === kind)
    .reduce<Attestation | undefined>(
      (best, a) => (best === undefined || a.id > best.id ? a : best),
      undefined,
    );
}

const pct = (n: number) => `${Number(n.toFixed(2))} %`;

/**
 * Judges a release against an environment's policy. Pure: the caller reads the attestations and
 * the release's ref. Each rule is checked only when the policy sets it and its evidence exists;
 * `require` is what makes missing evidence a failure.
 */
export function evaluatePolicy(input: PolicyInput): PolicyVerdict {
  const { policy } = input;
  const base = { environment: input.environment, service: input.service, version: input.version };
  if (!policy) return { ...base, allowed: true, checks: [] };
  const checks: PolicyCheck[] = [
    ...versionChecks(input, policy),
    ...requiredChecks(input.attestations, policy),
  ];
  const coverage = newest(input.attestations, "coverage");
  if (coverage && policy.minCoverage !== undefined) {
    const lines = (coverage.summary as CoverageSummary).lines;
    const ok = lines.pct >= policy.minCoverage;
    checks.push({
      rule: "coverage",
      ok,
      message: `coverage ${pct(lines.pct)} ${ok ? ">=" : "<"} ${pct(policy.minCoverage)} (${describeSource(coverage)})`,
    });
  }
  const tests = newest(input.attestations, "tests");
  if (tests && policy.noFailedTests) {
    const s = tests.summary as TestsSummary;
    checks.push({
      rule: "tests",
      ok: s.failed === 0,
      message: `tests: ${s.failed} failed, ${s.passed} passed, ${s.skipped} skipped (${describeSource(tests)})`,
    });
  }
  const vulns = newest(input.attestations, "vulnerabilities");
  if (vulns && (policy.maxSeverity !== undefined || policy.maxUnfixableSeverity !== undefined))
    checks.push(vulnerabilityCheck(vulns, policy, input.now));
  const sast = newest(input.attestations, "sast");
  if (sast && policy.noSastErrors) {
    const s = sast.summary as SastSummary;
    const first = s.errors[0];
    checks.push({
      rule: "sast",
      ok: s.counts.error === 0,
      message:
        s.counts.error === 0
          ? `SAST: no error-level result (${describeSource(sast)})`
          : `SAST: ${s.counts.error} error-level result${s.counts.error > 1 ? "s" : ""}${first ? `, first ${first.rule}${first.location ? ` at ${first.location}` : ""}` : ""} (${describeSource(sast)})`,
    });
  }
  const secrets = newest(input.attestations, "secrets");
  if (secrets && policy.noSecrets) {
    const s = secrets.summary as SecretsSummary;
    const first = s.findings[0];
    checks.push({
      rule: "secrets",
      ok: s.findings.length === 0,
      message:
        s.findings.length === 0
          ? `secret scan: nothing found in ${s.filesScanned} files (${describeSource(secrets)})`
          : `secret scan: ${s.findings.length} found${first ? `, first ${first.rule} at ${first.file}:${first.line}` : ""} (${describeSource(secrets)})`,
    });
  }
  return { ...base, allowed: checks.every((c) => c.ok), checks };
}

function versionChecks(input: PolicyInput, policy: ReleasePolicy): PolicyCheck[] {
  const checks: PolicyCheck[] = [];
  const blocked = policy.blockedVersions.find((glob) => picomatch.isMatch(input.version, glob));
  if (policy.blockedVersions.length > 0)
    checks.push({
      rule: "blocked-version",
      ok: blocked === undefined,
      message:
        blocked === undefined
          ? `version ${input.version} matches no blocked pattern`
          : `version ${input.version} matches the blocked pattern "${blocked}"`,
    });
  if (policy.sources) checks.push(sourceCheck(input.ref, policy.sources));
  return checks;
}

/** `refs/heads/x` is only a branch, `refs/tags/x` only a tag; a bare name may be either. */
function sourceCheck(ref: string | undefined, sources: { branches: string[]; tags: string[] }): PolicyCheck {
  const allowed = [...sources.branches.map((b) => `branch ${b}`), ...sources.tags.map((t) => `tag ${t}`)];
  if (!ref)
    return {
      rule: "source",
      ok: false,
      message: `the release records no source ref; allowed: ${allowed.join(", ")}`,
    };
  const branch = ref.startsWith("refs/tags/") ? undefined : ref.replace(/^refs\/heads\//, "");
  const tag = ref.startsWith("refs/heads/") ? undefined : ref.replace(/^refs\/tags\//, "");
  const ok =
    (branch !== undefined && sources.branches.some((g) => picomatch.isMatch(branch, g))) ||
    (tag !== undefined && sources.tags.some((g) => picomatch.isMatch(tag, g)));
  return {
    rule: "source",
    ok,
    message: ok
      ? `source ref ${ref} is allowed`
      : `source ref ${ref} is not an allowed source (${allowed.join(", ") || "none allowed"})`,
  };
}

function requiredChecks(attestations: readonly Attestation[], policy: ReleasePolicy): PolicyCheck[] {
  return policy.require.map((kind) => {
    const found = newest(attestations, kind);
    return {
      rule: "required",
      ok: found !== undefined,
      message: found
        ? `${kind} attested (${describeSource(found)})`
        : `required attestation missing: ${kind}`,
    };
  });
}

function vulnerabilityCheck(vulns: Attestation, policy: ReleasePolicy, now: number): PolicyCheck {
  const s = vulns.summary as VulnerabilitiesSummary;
  const maxFixable = policy.maxSeverity ?? "critical";
  const maxUnfixable = policy.maxUnfixableSeverity ?? maxFixable;
  const allowedNow = policy.allow.filter((a) => now <= Date.parse(`${a.until}T23:59:59.999Z`));
  const isAllowed = (id: string, aliases: string[]) =>
    allowedNow.some((a) => a.id === id || aliases.includes(a.id));
  const over = s.findings.filter((f) => {
    const limit = f.fixable ? maxFixable : maxUnfixable;
    return rank(f.severity) > rank(limit) && !isAllowed(f.id, f.aliases);
  });
  const expired = policy.allow.filter((a) => !allowedNow.includes(a));
  if (over.length === 0)
    return {
      rule: "vulnerabilities",
      ok: true,
      message: `vulnerabilities within limits (fixable <= ${maxFixable}, unfixable <= ${maxUnfixable}) (${describeSource(vulns)})`,
    };
  const named = over
    .slice(0, 3)
    .map((f) => `${f.id} (${f.package}) ${f.severity}${f.fixable ? ", fixable" : ", no fix"}`)
    .join(", ");
  const expiredNote = expired.some((a) => over.some((f) => f.id === a.id || f.aliases.includes(a.id)))
    ? `; allowlist entry expired: ${expired.map((a) => `${a.id} (until ${a.until})`).join(", ")}`
    : "";
  return {
    rule: "vulnerabilities",
    ok: false,
    message: `${over.length} vulnerabilit${over.length > 1 ? "ies" : "y"} over the limit (fixable <= ${maxFixable}, unfixable <= ${maxUnfixable}): ${named}${over.length > 3 ? ", …" : ""}${expiredNote} (${describeSource(vulns)})`,
  };
}
