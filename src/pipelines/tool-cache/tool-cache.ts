import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";

/**
 * The runner tool cache in the layout of `@actions/tool-cache` (what GitHub's self-hosted runners
 * keep in RUNNER_TOOL_CACHE): `<root>/<tool>/<version>/<arch>/` holds the tool, and the file
 * `<root>/<tool>/<version>/<arch>.complete` says it is fully there. Shared by every run.
 */
export interface CachedTool {
  version: string;
  dir: string;
}

/** Versions of `tool` for `arch` that are completely installed, newest first. */
export function cachedVersions(root: string, tool: string, arch: string): CachedTool[] {
  const toolDir = join(root, tool);
  if (!existsSync(toolDir)) return [];
  return readdirSync(toolDir)
    .filter((version) => semver.valid(version) !== null)
    .filter((version) => existsSync(join(toolDir, version, `${arch}.complete`)))
    .sort(semver.rcompare)
    .map((version) => ({ version, dir: join(toolDir, version, arch) }));
}

/** The newest cached version satisfying `range` (a semver range), if any. */
export function findCached(root: string, tool: string, arch: string, range: string): CachedTool | undefined {
  return cachedVersions(root, tool, arch).find((entry) => semver.satisfies(entry.version, range));
}

/**
 * Installs `version` by letting `fill` put the files into a fresh directory, then moving it into
 * place and marking it complete; a half-done install (crash, failed checksum) never becomes visible.
 * Concurrent installs of the same version (matrix legs, other runs) end with one of them in place.
 */
export async function installTool(
  root: string,
  tool: string,
  version: string,
  arch: string,
  fill: (dir: string) => Promise<void>,
): Promise<CachedTool> {
  const versionDir = join(root, tool, version);
  const dir = join(versionDir, arch);
  const marker = join(versionDir, `${arch}.complete`);
  if (existsSync(marker)) return { version, dir };
  mkdirSync(join(root, tool), { recursive: true });
  const temp = mkdtempSync(join(root, tool, `.install-${version}-`));
  try {
    await fill(temp);
    if (existsSync(marker)) return { version, dir };
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(versionDir, { recursive: true });
    renameSync(temp, dir);
    writeFileSync(marker, "");
    return { version, dir };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}
