import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { findSecrets, type SecretAllowlist } from "../core/evidence/secret-patterns.js";
import type { SecretsSummary } from "../core/evidence/types.js";

/** Files larger than this are not text a secret hides in (bundles, images): skipped. */
const MAX_FILE_BYTES = 2 * 1024 * 1024;
const SKIP_DIRS = new Set([".git", "node_modules"]);

/**
 * Scans every text file under `root` (a release's directory) for secrets. Binary files (a NUL in
 * the first 8 KiB) and files over 2 MiB are skipped; node_modules and .git are not walked.
 */
export function scanDirectory(root: string, allow: SecretAllowlist): SecretsSummary {
  const summary: SecretsSummary = { kind: "secrets", filesScanned: 0, findings: [] };
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(path);
        continue;
      }
      if (!entry.isFile() || statSync(path).size > MAX_FILE_BYTES) continue;
      const bytes = readFileSync(path);
      if (bytes.subarray(0, 8192).includes(0)) continue;
      summary.filesScanned++;
      const rel = relative(root, path).split(sep).join("/");
      summary.findings.push(...findSecrets(rel, bytes.toString("utf8"), allow));
    }
  };
  walk(root);
  return summary;
}
