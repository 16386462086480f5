import { createHash, randomUUID } from "node:crypto";
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createArchive, extractArchive, preferredCompression, type Compression } from "./archive.js";

/** What is kept beside each archive; `lastAccessedAt` drives the least-recently-used eviction. */
export interface CacheEntry {
  key: string;
  /** Hash of the cached paths: a cache saved for other paths never restores here (as on GitHub). */
  version: string;
  compression: Compression;
  sizeBytes: number;
  createdAt: number;
  lastAccessedAt: number;
}

export type RestoreResult =
  | { kind: "exact"; entry: CacheEntry }
  | { kind: "partial"; entry: CacheEntry; matchedPrefix: string }
  | { kind: "miss" };

export type SaveResult =
  | { kind: "saved"; entry: CacheEntry; evicted: string[] }
  | { kind: "exists" }
  | { kind: "too-large"; sizeBytes: number; maxBytes: number };

export interface CacheStoreOptions {
  /** Directory holding the entries, normally `<dataDir>/cache`. */
  root: string;
  /** Total size the store keeps; older (least recently used) entries are evicted beyond it. */
  maxBytes: number;
  now?: () => number;
}

/** GitHub's rule: a cache's identity is its key plus the set of paths it holds. */
export function cacheVersion(paths: readonly string[]): string {
  return createHash("sha256")
    .update([...paths].sort().join("\n"))
    .digest("hex")
    .slice(0, 16);
}

/**
 * A local, size-bounded store of tar archives keyed like `actions/cache`. One `<id>.json` per entry
 * (written by rename, so concurrent jobs never see half a record) instead of one shared index file.
 */
export class CacheStore {
  private readonly now: () => number;
  constructor(private readonly options: CacheStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Finds the entry for `key` (exact), else the newest entry whose key starts with one of
   * `restoreKeys`, tried in order; restores its files under `cwd` and marks it recently used.
   */
  async restore(
    key: string,
    restoreKeys: readonly string[],
    version: string,
    cwd: string,
    options: { lookupOnly?: boolean } = {},
  ): Promise<RestoreResult> {
    const entries = (await this.list()).filter((entry) => entry.version === version);
    let result: RestoreResult = { kind: "miss" };
    const exact = entries.find((entry) => entry.key === key);
    if (exact) result = { kind: "exact", entry: exact };
    else {
      for (const prefix of restoreKeys) {
        const newest = entries
          .filter((entry) => entry.key.startsWith(prefix))
          .sort((a, b) => b.createdAt - a.createdAt)[0];
        if (newest) {
          result = { kind: "partial", entry: newest, matchedPrefix: prefix };
          break;
        }
      }
    }
    if (result.kind === "miss") return result;
    const entry = result.entry;
    if (!options.lookupOnly) {
      await extractArchive(this.archivePath(entry), cwd, entry.compression);
    }
    entry.lastAccessedAt = this.now();
    await this.writeMeta(entry);
    return result;
  }

  /** Archives `paths` (relative to `cwd` or absolute) under `key`; an existing key is never overwritten. */
  async save(
    key: string,
    version: string,
    cwd: string,
    paths: readonly string[],
    compression: Compression = preferredCompression(),
  ): Promise<SaveResult> {
    await mkdir(this.options.root, { recursive: true, mode: 0o700 }); // owner-only state (docs/runtime.md)
    const id = entryId(key, version);
    if (await exists(join(this.options.root, `${id}.json`))) return { kind: "exists" };
    const tmp = join(this.options.root, `.tmp-${randomUUID()}`);
    try {
      await createArchive(tmp, cwd, paths, compression);
      const sizeBytes = (await stat(tmp)).size;
      if (sizeBytes > this.options.maxBytes) {
        return { kind: "too-large", sizeBytes, maxBytes: this.options.maxBytes };
      }
      const now = this.now();
      const entry: CacheEntry = { key, version, compression, sizeBytes, createdAt: now, lastAccessedAt: now };
      await chmod(tmp, 0o600); // tar creates it with the umask's mode
      await rename(tmp, this.archivePath(entry));
      await this.writeMeta(entry);
      const evicted = await this.evict(id);
      return { kind: "saved", entry, evicted };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Every entry, oldest access first. */
  async list(): Promise<CacheEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.options.root);
    } catch {
      return [];
    }
    const entries: CacheEntry[] = [];
    for (const name of names) {
      if (!name.endsWith(".json")) continue;
      try {
        entries.push(JSON.parse(await readFile(join(this.options.root, name), "utf8")) as CacheEntry);
      } catch {
        // A record removed by a concurrent eviction between readdir and readFile.
      }
    }
    return entries.sort((a, b) => a.lastAccessedAt - b.lastAccessedAt);
  }

  async totalBytes(): Promise<number> {
    return (await this.list()).reduce((sum, entry) => sum + entry.sizeBytes, 0);
  }

  /** Removes least recently used entries until the store fits; `keepId` (the one just saved) stays. */
  private async evict(keepId: string): Promise<string[]> {
    const entries = await this.list();
    let total = entries.reduce((sum, entry) => sum + entry.sizeBytes, 0);
    const evicted: string[] = [];
    for (const entry of entries) {
      if (total <= this.options.maxBytes) break;
      if (entryId(entry.key, entry.version) === keepId) continue;
      await this.remove(entry);
      total -= entry.sizeBytes;
      evicted.push(entry.key);
    }
    return evicted;
  }

  private async remove(entry: CacheEntry): Promise<void> {
    const id = entryId(entry.key, entry.version);
    await rm(join(this.options.root, `${id}.json`), { force: true });
    await rm(this.archivePath(entry), { force: true });
  }

  private archivePath(entry: Pick<CacheEntry, "key" | "version" | "compression">): string {
    const extension = entry.compression === "zstd" ? "tar.zst" : "tar.gz";
    return join(this.options.root, `${entryId(entry.key, entry.version)}.${extension}`);
  }

  private async writeMeta(entry: CacheEntry): Promise<void> {
    const target = join(this.options.root, `${entryId(entry.key, entry.version)}.json`);
    const tmp = `${target}.${randomUUID()}.tmp`;
    await writeFile(tmp, JSON.stringify(entry), { mode: 0o600 });
    await rename(tmp, target);
  }
}

function entryId(key: string, version: string): string {
  return createHash("sha256").update(`${version}\0${key}`).digest("hex").slice(0, 32);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
