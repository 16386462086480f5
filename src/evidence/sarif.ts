import type { SastResult, SastSummary } from "../core/evidence/types.js";
import { lineOf, malformed } from "./report-error.js";

interface SarifRun {
  tool?: { driver?: { name?: string; rules?: { id?: string; defaultConfiguration?: { level?: string } }[] } };
  results?: {
    ruleId?: string;
    rule?: { id?: string };
    level?: string;
    message?: { text?: string };
    locations?: {
      physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number } };
    }[];
  }[];
}

const LEVELS = ["error", "warning", "note", "none"] as const;

/**
 * SARIF 2.1.0 from any SAST tool (CodeQL, Semgrep, Trivy, ESLint's formatter…). A result's level
 * is its own, else its rule's default, else "warning" (SARIF §3.27.10).
 */
export function readSarif(
  file: string,
  text: string,
  doc: { version?: unknown; runs?: unknown },
): SastSummary {
  if (doc.version !== "2.1.0")
    throw malformed(
      file,
      lineOf(text, '"version"'),
      1,
      `not a SARIF 2.1.0 log: "version" is ${JSON.stringify(doc.version)}`,
    );
  if (!Array.isArray(doc.runs))
    throw malformed(file, lineOf(text, '"runs"'), 1, 'not a SARIF 2.1.0 log: expected a "runs" array');
  const summary: SastSummary = {
    kind: "sast",
    tools: [],
    counts: { error: 0, warning: 0, note: 0 },
    errors: [],
  };
  for (const run of doc.runs as SarifRun[]) {
    const driver = run.tool?.driver;
    if (driver?.name && !summary.tools.includes(driver.name)) summary.tools.push(driver.name);
    const defaults = new Map((driver?.rules ?? []).map((r) => [r.id, r.defaultConfiguration?.level]));
    for (const r of run.results ?? []) {
      const rule = r.ruleId ?? r.rule?.id ?? "unknown";
      const raw = r.level ?? defaults.get(rule) ?? "warning";
      const level = (LEVELS as readonly string[]).includes(raw) ? (raw as SastResult["level"]) : "warning";
      if (level === "none") continue;
      summary.counts[level]++;
      if (level === "error" && summary.errors.length < 50) {
        const loc = r.locations?.[0]?.physicalLocation;
        const uri = loc?.artifactLocation?.uri;
        summary.errors.push({
          rule,
          level,
          message: (r.message?.text ?? "").slice(0, 300),
          ...(uri && { location: `${uri}${loc?.region?.startLine ? `:${loc.region.startLine}` : ""}` }),
        });
      }
    }
  }
  return summary;
}
