import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import picomatch from "picomatch";

/**
 * `hashFiles(patterns…)`: SHA-256 over the SHA-256 of every matching file under the workspace,
 * in path order, as GitHub computes it; empty string when nothing matches. `!pattern` excludes.
 */
export function hashFiles(workspace: string, patterns: string[]): string {
  const include = patterns.filter((p) => !p.startsWith("!")).map((p) => picomatch(p, { dot: true }));
  const exclude = patterns.filter((p) => p.startsWith("!")).map((p) => picomatch(p.slice(1), { dot: true }));
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === ".git") continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        const rel = relative(workspace, full);
        if (include.some((m) => m(rel)) && !exclude.some((m) => m(rel))) files.push(full);
      }
    }
  };
  walk(workspace);
  if (files.length === 0) return "";
  const total = createHash("sha256");
  for (const file of files.sort()) total.update(createHash("sha256").update(readFileSync(file)).digest());
  return total.digest("hex");
}
