import { statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import picomatch from "picomatch";
import { globSync } from "tinyglobby";

/**
 * The `path:` input of actions/cache and upload-artifact, as @actions/glob reads it: one pattern
 * per line, `#` comments, `!` excludes, `~` is the home directory, relative to the workspace.
 */
export interface PathPatterns {
  include: string[];
  exclude: string[];
}

export function parsePathPatterns(input: string, cwd: string): PathPatterns {
  const include: string[] = [];
  const exclude: string[] = [];
  for (const raw of input.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const negated = line.startsWith("!");
    const pattern = absolutize(negated ? line.slice(1).trim() : line, cwd);
    (negated ? exclude : include).push(pattern);
  }
  return { include, exclude };
}

function absolutize(pattern: string, cwd: string): string {
  const expanded = pattern === "~" || pattern.startsWith("~/") ? homedir() + pattern.slice(1) : pattern;
  const absolute = isAbsolute(expanded) ? expanded : resolve(cwd, expanded);
  // A trailing slash means "this directory"; keep the path canonical for prefix tests.
  return absolute.length > 1 && absolute.endsWith(sep) ? absolute.slice(0, -1) : absolute;
}

const isGlob = (pattern: string): boolean => picomatch.scan(pattern).isGlob;

/** The directory a pattern searches from: its path up to the first glob segment. */
export function searchRoot(pattern: string): string {
  if (!isGlob(pattern)) {
    return isDirectory(pattern) ? pattern : dirname(pattern);
  }
  const base = picomatch.scan(pattern).base;
  return base === "" ? "/" : base;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function excluded(path: string, matchers: ((p: string) => boolean)[], excludes: string[]): boolean {
  // An exclude names a file, a directory (all below it), or a glob.
  return excludes.some((e) => path === e || path.startsWith(e + sep)) || matchers.some((m) => m(path));
}

/**
 * Files matched by the patterns (directories expand to every file below them), minus excludes.
 * Hidden files (a path segment starting with '.') are left out unless `includeHidden`, as
 * upload-artifact v4.4+ does.
 */
export function resolveFiles(patterns: PathPatterns, options: { includeHidden: boolean }): string[] {
  const excludeMatchers = patterns.exclude.filter(isGlob).map((p) => picomatch(p, { dot: true }));
  const found = new Set<string>();
  for (const pattern of patterns.include) {
    let matches: string[];
    if (!isGlob(pattern)) {
      if (isDirectory(pattern)) {
        matches = globSync("**/*", { cwd: pattern, absolute: true, dot: true, onlyFiles: true });
      } else {
        matches = statOrUndefined(pattern)?.isFile() ? [pattern] : [];
      }
    } else {
      const root = searchRoot(pattern);
      const rel = relative(root, pattern).split(sep).join("/");
      matches = globSync(rel, { cwd: root, absolute: true, dot: true, onlyFiles: false }).flatMap((match) =>
        isDirectory(match)
          ? globSync("**/*", { cwd: match, absolute: true, dot: true, onlyFiles: true })
          : [match],
      );
    }
    for (const match of matches) {
      const path = resolve(match);
      if (excluded(path, excludeMatchers, patterns.exclude)) continue;
      if (!options.includeHidden && isHidden(path, searchRoot(pattern))) continue;
      found.add(path);
    }
  }
  return [...found].sort();
}

function isHidden(path: string, root: string): boolean {
  return relative(root, path)
    .split(sep)
    .some((segment) => segment.startsWith(".") && segment !== "." && segment !== "..");
}

/**
 * What actions/cache archives: each existing path the patterns name (a directory as a whole), as
 * paths relative to `cwd` when inside it, absolute otherwise. Globs expand to their matches.
 */
export function resolveCacheEntries(patterns: PathPatterns, cwd: string): string[] {
  const excludeMatchers = patterns.exclude.filter(isGlob).map((p) => picomatch(p, { dot: true }));
  const found = new Set<string>();
  for (const pattern of patterns.include) {
    const matches = isGlob(pattern)
      ? globSync(relative(searchRoot(pattern), pattern).split(sep).join("/"), {
          cwd: searchRoot(pattern),
          absolute: true,
          dot: true,
          onlyFiles: false,
        })
      : statOrUndefined(pattern)
        ? [pattern]
        : [];
    for (const match of matches) {
      const path = resolve(match);
      if (!excluded(path, excludeMatchers, patterns.exclude)) found.add(path);
    }
  }
  return [...found].sort().map((path) => {
    const rel = relative(cwd, path);
    return rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? path : rel;
  });
}

/** The deepest directory containing every path (upload-artifact's root for relative names). */
export function leastCommonAncestor(paths: readonly string[]): string {
  if (paths.length === 0) return "/";
  const split = paths.map((p) => p.split(sep));
  const first = split[0] ?? [];
  let length = first.length;
  for (const parts of split.slice(1)) {
    let i = 0;
    while (i < length && parts[i] === first[i]) i++;
    length = i;
  }
  return first.slice(0, length).join(sep) || "/";
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
