import { readdirSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";

/** Marks `path` as just used, for `beyondNewest` (its modification time is the use). */
export function markUsed(path: string): void {
  const now = new Date();
  utimesSync(path, now, now);
}

/**
 * The paths of the entries of `dir` (those `wanted` takes) beyond the `keep` used most recently:
 * what a cache of commits (the server's bundles, a runner's checkouts) can drop. [] when `dir`
 * does not exist; an entry that vanishes meanwhile is skipped.
 */
export function beyondNewest(
  dir: string,
  keep: number,
  wanted: (name: string) => boolean = () => true,
): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter(wanted);
  } catch {
    return [];
  }
  const used = names.flatMap((name) => {
    try {
      return [{ path: join(dir, name), at: statSync(join(dir, name)).mtimeMs }];
    } catch {
      return [];
    }
  });
  return used
    .sort((a, b) => b.at - a.at)
    .slice(keep)
    .map((entry) => entry.path);
}
