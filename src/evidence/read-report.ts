import { createHash } from "node:crypto";
import type { EvidenceFormat, EvidenceKind, EvidenceSummary } from "../core/evidence/types.js";
import { readCobertura, readIstanbulSummary, readLcov } from "./coverage.js";
import { readJunit } from "./junit.js";
import { malformed, parseJson } from "./report-error.js";
import { readSarif } from "./sarif.js";
import { readNpmAudit, readOsv } from "./vulnerabilities.js";
import { parseXml, rootOf } from "./xml.js";

export interface ReadReport {
  kind: EvidenceKind;
  format: EvidenceFormat;
  /** `sha256:<hex>` of the bytes as given. */
  digest: string;
  summary: EvidenceSummary;
}

export const digestOf = (bytes: Buffer | string): string =>
  `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/**
 * Reads one report file, recognising its format from its content (not its name): JUnit or
 * Cobertura XML, an lcov tracefile, Istanbul's coverage-summary.json, `npm audit --json`, OSV
 * JSON, SARIF 2.1.0. `kind`, when given, must agree. A file that is none of these, or a malformed
 * one, throws SLIPWAY_INVALID_ARGUMENT naming file:line:col; nothing is read half.
 */
export function readReport(file: string, bytes: Buffer | string, kind?: EvidenceKind): ReadReport {
  const text = (typeof bytes === "string" ? bytes : bytes.toString("utf8")).replace(/^\uFEFF/, "");
  const { format, summary } = parse(file, text);
  if (kind && summary.kind !== kind)
    throw malformed(file, 1, 1, `expected a ${kind} report, but this is ${format} (${summary.kind})`);
  return { kind: summary.kind, format, digest: digestOf(bytes), summary };
}

function parse(file: string, text: string): { format: EvidenceFormat; summary: EvidenceSummary } {
  const start = text.trimStart();
  if (start.startsWith("<")) {
    const doc = parseXml(file, text, "a JUnit or Cobertura report");
    if (rootOf(doc) === "coverage") return { format: "cobertura", summary: readCobertura(file, doc) };
    return { format: "junit", summary: readJunit(file, doc) };
  }
  if (start.startsWith("{") || start.startsWith("[")) {
    const doc = parseJson(file, text, "npm audit, OSV, SARIF or an Istanbul coverage summary");
    const d = (doc ?? {}) as Record<string, unknown>;
    if (!Array.isArray(doc) && "runs" in d) return { format: "sarif", summary: readSarif(file, text, d) };
    if (!Array.isArray(doc) && "total" in d)
      return { format: "istanbul", summary: readIstanbulSummary(file, text, d) };
    if (
      !Array.isArray(doc) &&
      typeof d.vulnerabilities === "object" &&
      d.vulnerabilities !== null &&
      "auditReportVersion" in d
    )
      return {
        format: "npm-audit",
        summary: readNpmAudit(d as { vulnerabilities: Record<string, unknown> }),
      };
    if (Array.isArray(doc) || Array.isArray(d.results) || Array.isArray(d.vulns))
      return { format: "osv", summary: readOsv(doc) };
    throw malformed(
      file,
      1,
      1,
      'unknown JSON report: expected npm audit (auditReportVersion 2), OSV ("results" or "vulns"), SARIF 2.1.0 ("runs") or an Istanbul coverage summary ("total")',
    );
  }
  if (/^(TN|SF):/m.test(text)) return { format: "lcov", summary: readLcov(file, text) };
  throw malformed(
    file,
    1,
    1,
    "unknown report: expected JUnit or Cobertura XML, an lcov tracefile, or a JSON report (npm audit, OSV, SARIF, Istanbul summary)",
  );
}
