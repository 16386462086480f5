import {
  SEVERITIES,
  type Severity,
  type Vulnerability,
  type VulnerabilitiesSummary,
} from "../core/evidence/types.js";

const severityOf = (s: unknown): Severity => {
  const v = typeof s === "string" ? s.toLowerCase() : "";
  if (v === "medium") return "moderate";
  return (SEVERITIES as readonly string[]).includes(v) ? (v as Severity) : "low";
};

/** CVSS base score → severity band (CVSS v3: 9+ critical, 7+ high, 4+ medium). */
const fromScore = (score: number): Severity =>
  score >= 9 ? "critical" : score >= 7 ? "high" : score >= 4 ? "moderate" : "low";

function summarize(findings: Vulnerability[]): VulnerabilitiesSummary {
  const counts = { low: 0, moderate: 0, high: 0, critical: 0 };
  for (const f of findings) counts[f.severity]++;
  return { kind: "vulnerabilities", counts, findings };
}

interface NpmVia {
  source?: number;
  name?: string;
  url?: string;
  severity?: string;
}

/**
 * `npm audit --json` (report version 2, npm 7+): one finding per advisory (the objects in a
 * package's `via`; strings there only point at another package's advisory). npm names advisories
 * by their GitHub advisory URL, so the id is the GHSA id; fixable when npm offers `fixAvailable`.
 */
export function readNpmAudit(doc: { vulnerabilities: Record<string, unknown> }): VulnerabilitiesSummary {
  const findings = new Map<string, Vulnerability>();
  for (const [name, entry] of Object.entries(doc.vulnerabilities)) {
    const e = entry as { via?: unknown[]; fixAvailable?: unknown };
    for (const via of e.via ?? []) {
      if (typeof via !== "object" || via === null) continue;
      const v = via as NpmVia;
      const id = /GHSA-[\w-]+/.exec(v.url ?? "")?.[0] ?? String(v.source ?? v.url ?? "unknown");
      findings.set(`${id}|${v.name ?? name}`, {
        id,
        aliases: [],
        package: v.name ?? name,
        severity: severityOf(v.severity),
        fixable: e.fixAvailable !== undefined && e.fixAvailable !== false,
      });
    }
  }
  return summarize([...findings.values()]);
}

interface OsvRecord {
  id: string;
  aliases?: string[];
  affected?: { package?: { name?: string }; ranges?: { events?: Record<string, string>[] }[] }[];
  database_specific?: { severity?: string };
  severity?: { type?: string; score?: string }[];
}

const osvSeverity = (r: OsvRecord, groupScore?: number): Severity => {
  if (r.database_specific?.severity) return severityOf(r.database_specific.severity);
  if (groupScore !== undefined && !Number.isNaN(groupScore)) return fromScore(groupScore);
  const numeric = r.severity?.map((s) => Number(s.score)).find((n) => !Number.isNaN(n));
  return numeric === undefined ? "low" : fromScore(numeric);
};

const osvFixable = (r: OsvRecord) =>
  (r.affected ?? []).some((a) =>
    (a.ranges ?? []).some((range) => (range.events ?? []).some((e) => "fixed" in e)),
  );

const fromOsv = (r: OsvRecord, pkg: string | undefined, groupScore?: number): Vulnerability => ({
  id: r.id,
  aliases: r.aliases ?? [],
  package: pkg ?? r.affected?.[0]?.package?.name ?? "unknown",
  severity: osvSeverity(r, groupScore),
  fixable: osvFixable(r),
});

/**
 * OSV JSON: osv-scanner's `--format json` output (`results[].packages[].vulnerabilities`, with
 * `groups[].max_severity` as the CVSS score), osv.dev's query answer (`{ "vulns": [...] }`), or
 * a list of OSV records. Severity: the GHSA database's label, else the CVSS score.
 */
export function readOsv(doc: unknown): VulnerabilitiesSummary {
  const findings: Vulnerability[] = [];
  const d = doc as { results?: unknown[]; vulns?: OsvRecord[] };
  if (Array.isArray(d.results)) {
    for (const result of d.results as { packages?: unknown[] }[]) {
      for (const p of (result.packages ?? []) as {
        package?: { name?: string };
        vulnerabilities?: OsvRecord[];
        groups?: { ids?: string[]; max_severity?: string }[];
      }[]) {
        for (const v of p.vulnerabilities ?? []) {
          const group = p.groups?.find((g) => g.ids?.includes(v.id));
          findings.push(
            fromOsv(v, p.package?.name, group?.max_severity ? Number(group.max_severity) : undefined),
          );
        }
      }
    }
  } else {
    const records = Array.isArray(doc) ? (doc as OsvRecord[]) : (d.vulns ?? []);
    for (const r of records) findings.push(fromOsv(r, undefined));
  }
  return summarize(findings);
}
