import type { CoverageSummary } from "../core/evidence/types.js";
import { lineOf, malformed } from "./report-error.js";
import { attr, rootOf, type XmlNode } from "./xml.js";

const ratio = (covered: number, total: number) => ({
  covered,
  total,
  pct: total === 0 ? 100 : Math.round((covered / total) * 10_000) / 100,
});

/**
 * lcov tracefiles (c8, nyc, node --test's lcov reporter, Jest, coverage.py): sums LF/LH and
 * BRF/BRH over every record. Any line that is not `KEY:value` or `end_of_record` is refused.
 */
export function readLcov(file: string, text: string): CoverageSummary {
  let lf = 0;
  let lh = 0;
  let brf = 0;
  let brh = 0;
  let records = 0;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line === "end_of_record") return;
    const m = /^([A-Z]+):(.*)$/.exec(line);
    if (!m)
      throw malformed(
        file,
        i + 1,
        1,
        `not an lcov tracefile: expected KEY:value or end_of_record, found "${line.slice(0, 40)}"`,
      );
    const [, key, value] = m as unknown as [string, string, string];
    const n = () => {
      const v = Number(value);
      if (!Number.isInteger(v) || v < 0)
        throw malformed(
          file,
          i + 1,
          key.length + 2,
          `not an lcov tracefile: ${key} expects a whole number, found "${value}"`,
        );
      return v;
    };
    if (key === "SF") records++;
    else if (key === "LF") lf += n();
    else if (key === "LH") lh += n();
    else if (key === "BRF") brf += n();
    else if (key === "BRH") brh += n();
  });
  if (records === 0) throw malformed(file, 1, 1, "not an lcov tracefile: no SF: record");
  return { kind: "coverage", lines: ratio(lh, lf), ...(brf > 0 && { branches: ratio(brh, brf) }) };
}

interface IstanbulTotal {
  total?: number;
  covered?: number;
}

/** Istanbul's coverage-summary.json (nyc, c8, Jest, vitest `json-summary`): its `total`. */
export function readIstanbulSummary(file: string, text: string, doc: unknown): CoverageSummary {
  const total = (doc as { total?: { lines?: IstanbulTotal; branches?: IstanbulTotal } }).total;
  const lines = total?.lines;
  if (typeof lines?.total !== "number" || typeof lines.covered !== "number")
    throw malformed(
      file,
      lineOf(text, '"total"'),
      1,
      'not an Istanbul coverage summary: expected "total": { "lines": { "total", "covered" } }',
    );
  const b = total?.branches;
  return {
    kind: "coverage",
    lines: ratio(lines.covered, lines.total),
    ...(typeof b?.total === "number" &&
      typeof b.covered === "number" &&
      b.total > 0 && { branches: ratio(b.covered, b.total) }),
  };
}

/** Cobertura XML (coverage.py, JaCoCo converters, istanbul's cobertura reporter): the root's counts. */
export function readCobertura(file: string, doc: XmlNode): CoverageSummary {
  const root = rootOf(doc);
  const node = (root === "coverage" ? doc.coverage : undefined) as XmlNode | undefined;
  if (!node || typeof node !== "object")
    throw malformed(
      file,
      1,
      1,
      `not a Cobertura report: expected a <coverage> root, found <${root ?? "nothing"}>`,
    );
  const num = (name: string) => {
    const v = attr(node, name);
    return v === undefined || Number.isNaN(Number(v)) ? undefined : Number(v);
  };
  const valid = num("lines-valid");
  const covered = num("lines-covered");
  const rate = num("line-rate");
  if (valid !== undefined && covered !== undefined) {
    const bValid = num("branches-valid");
    const bCovered = num("branches-covered");
    return {
      kind: "coverage",
      lines: ratio(covered, valid),
      ...(bValid !== undefined &&
        bCovered !== undefined &&
        bValid > 0 && { branches: ratio(bCovered, bValid) }),
    };
  }
  if (rate === undefined)
    throw malformed(
      file,
      1,
      1,
      "not a Cobertura report: <coverage> has neither lines-valid/lines-covered nor line-rate",
    );
  return { kind: "coverage", lines: { covered: 0, total: 0, pct: Math.round(rate * 10_000) / 100 } };
}
