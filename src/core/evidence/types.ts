/**
 * Evidence attached to a release (issue 20): what one standard report says, reduced to the facts a
 * policy reads. Parsing the files is src/evidence/'s job; this is the shape it produces and the
 * Store keeps (as JSON), so the pure policy evaluator needs no I/O.
 */
export const EVIDENCE_KINDS = ["tests", "coverage", "vulnerabilities", "sast", "secrets"] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/** The file format each summary was read from. */
export type EvidenceFormat =
  "junit" | "lcov" | "istanbul" | "cobertura" | "npm-audit" | "osv" | "sarif" | "secret-scan";

export const SEVERITIES = ["low", "moderate", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface TestsSummary {
  kind: "tests";
  tests: number;
  passed: number;
  failed: number;
  skipped: number;
}

export interface CoverageSummary {
  kind: "coverage";
  /** Line coverage in percent (0-100, two decimals); 100 when there are no lines. */
  lines: { covered: number; total: number; pct: number };
  branches?: { covered: number; total: number; pct: number };
}

export interface Vulnerability {
  /** The advisory's id (GHSA-…, CVE-…, an npm advisory number). */
  id: string;
  /** Other ids of the same advisory, CVEs among them. */
  aliases: string[];
  package: string;
  severity: Severity;
  /** A fixed version exists (npm audit: fixAvailable; OSV: a `fixed` event). */
  fixable: boolean;
}

export interface VulnerabilitiesSummary {
  kind: "vulnerabilities";
  counts: Record<Severity, number>;
  findings: Vulnerability[];
}

export interface SastResult {
  rule: string;
  level: "error" | "warning" | "note" | "none";
  message: string;
  /** `file:line` when the result names a location. */
  location?: string;
}

export interface SastSummary {
  kind: "sast";
  tools: string[];
  counts: { error: number; warning: number; note: number };
  /** The error-level results (at most 50), so a refusal can name them. */
  errors: SastResult[];
}

export interface SecretFinding {
  file: string;
  line: number;
  rule: string;
}

export interface SecretsSummary {
  kind: "secrets";
  filesScanned: number;
  findings: SecretFinding[];
}

export type EvidenceSummary =
  TestsSummary | CoverageSummary | VulnerabilitiesSummary | SastSummary | SecretsSummary;

/** Where a report came from: the workflow run and job that produced it, when known. */
export interface EvidenceSource {
  runId?: number;
  job?: string;
  /** The report's file name as uploaded. */
  file: string;
}

/** One attestation as stored: a release's report, its digest, its source and its summary. */
export interface Attestation {
  id: number;
  service: string;
  version: string;
  kind: EvidenceKind;
  format: EvidenceFormat;
  /** `sha256:<hex>` of the report's bytes. */
  digest: string;
  source: EvidenceSource;
  summary: EvidenceSummary;
  recordedAt: string;
  recordedBy: string;
}

/** How a refusal names an attestation: `lcov from run 41, job test`. */
export function describeSource(a: Pick<Attestation, "format" | "source">): string {
  const where = [
    a.source.runId !== undefined ? `run ${a.source.runId}` : undefined,
    a.source.job ? `job ${a.source.job}` : undefined,
  ].filter(Boolean);
  return `${a.format} ${where.length ? `from ${where.join(", ")}` : `from ${a.source.file}`}`;
}
