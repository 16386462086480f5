import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), "..", "RESULTS.md");

/**
 * Replaces one marked block of bench/RESULTS.md (other benchmarks keep their own sections), so
 * re-running a benchmark updates its figures in place.
 */
export function writeResultsSection(marker, markdown) {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  let text = existsSync(RESULTS)
    ? readFileSync(RESULTS, "utf8")
    : "# Benchmark results\n\nFigures measured by the scripts in `bench/`; each section names its machine, date and peers.\n";
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  text =
    from >= 0 && to > from
      ? text.slice(0, from) + block + text.slice(to + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(RESULTS, text);
  console.log(`bench: wrote the "${marker}" section of bench/RESULTS.md`);
}
