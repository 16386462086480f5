import { createHash } from "node:crypto";
import { lstat, readFile, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";

/**
 * "sha256:<hex>" over every file under `dir`: sorted relative paths (with "/" separators), each
 * followed by its kind, executable bit and content (a symlink's target). The same tree gives the same
 * digest on any machine, whatever the file system's listing order or timestamps.
 */
export async function digestDirectory(dir: string): Promise<string> {
  const hash = createHash("sha256");
  for (const path of await listFiles(dir)) {
    const full = join(dir, ...path.split("/"));
    const stat = await lstat(full);
    if (stat.isSymbolicLink()) {
      hash.update(`${path}\0link\0${await readlink(full)}\0`);
    } else {
      const executable = (stat.mode & 0o111) !== 0 ? "x" : "-";
      const content = await readFile(full);
      hash.update(`${path}\0file${executable}\0${content.length}\0`);
      hash.update(content);
    }
  }
  return `sha256:${hash.digest("hex")}`;
}

/** Relative paths of files and symlinks under `dir`, sorted by code unit. */
async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), rel)));
    else if (entry.isFile() || entry.isSymbolicLink()) out.push(rel);
  }
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
