import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
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
  /**
   * Of the archive, so a copy fetched from another host can be checked. Computed when another host
   * first asks for the entry (withSha256), not at save: most entries never leave their host.
   */
  sha256?: string;
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

/** An entry's file name (without extension): a hash, so no key can name a path outside the store. */
export function cacheEntryId(key: string, version: string): string {
  return createHash("sha256").update(`${version}\0${key}`).digest("hex").slice(0, 32);
}

/** What cacheEntryId gives; anything else names no entry (and is refused before touching a path). */
export const CACHE_ENTRY_ID = /^[0-9a-f]{32}$/;

/**
 * GitHub's matching rules, one place for every store (a runner's, the server's): the entry whose
 * key is `key`, else the newest entry whose key starts with the first of `restoreKeys` any entry
 * starts with; only entries of `version` count.
 */
export function matchCacheEntry(
  entries: readonly CacheEntry[],
  key: string,
  restoreKeys: readonly string[],
  version: string,
): RestoreResult {
  const candidates = entries.filter((entry) => entry.version === version);
  const exact = candidates.find((entry) => entry.key === key);
  if (exact) return { kind: "exact", entry: exact };
  for (const prefix of restoreKeys) {
    const newest = candidates
      .filter((entry) => entry.key.startsWith(prefix))
      .sort((a, b) => b.createdAt - a.createdAt)[0];
    if (newest) return { kind: "partial", entry: newest, matchedPrefix: prefix };
  }
  return { kind: "miss" };
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
    const result = await this.lookup(key, restoreKeys, version);
    if (result.kind !== "miss" && !options.lookupOnly) await this.extract(result.entry, cwd);
    return result;
  }

  /** The entry restore() would take (matchCacheEntry), marked recently used; nothing is extracted. */
  async lookup(key: string, restoreKeys: readonly string[], version: string): Promise<RestoreResult> {
    const result = matchCacheEntry(await this.list(), key, restoreKeys, version);
    if (result.kind === "miss") return result;
    result.entry.lastAccessedAt = this.now();
    await this.writeMeta(result.entry);
    return result;
  }

  async extract(entry: CacheEntry, cwd: string): Promise<void> {
    await extractArchive(this.archivePath(entry), cwd, entry.compression);
  }

  /** The record and archive of the entry with this id (CACHE_ENTRY_ID), or undefined. */
  async find(id: string): Promise<{ entry: CacheEntry; archive: string } | undefined> {
    if (!CACHE_ENTRY_ID.test(id)) return undefined;
    let entry: CacheEntry;
    try {
      entry = JSON.parse(await readFile(join(this.options.root, `${id}.json`), "utf8")) as CacheEntry;
    } catch {
      return undefined;
    }
    const archive = this.archivePath(entry);
    return (await exists(archive)) ? { entry, archive } : undefined;
  }

  /** The entry with its archive's sha256, computed and recorded the first time it is asked for. */
  async withSha256(entry: CacheEntry): Promise<CacheEntry> {
    if (entry.sha256 !== undefined) return entry;
    const sealed = { ...entry, sha256: await sha256Of(this.archivePath(entry)) };
    await this.writeMeta(sealed);
    return sealed;
  }

  /**
   * Keeps a copy of an entry another store holds: `write` fills a file with its archive, which is
   * kept only when its size (and sha256, when the record has one) match the record. Evicts as save
   * does: the copy itself stays even when larger than the store, as the entry about to be extracted.
   */
  async adopt(entry: CacheEntry, write: (file: string) => Promise<void>): Promise<void> {
    await mkdir(this.options.root, { recursive: true, mode: 0o700 });
    const tmp = join(this.options.root, `.tmp-${randomUUID()}`);
    try {
      await write(tmp);
      const sizeBytes = (await stat(tmp)).size;
      if (sizeBytes !== entry.sizeBytes) {
        throw new Error(
          `the archive of cache ${entry.key} has ${sizeBytes} bytes, its record says ${entry.sizeBytes}`,
        );
      }
      if (entry.sha256 !== undefined && (await sha256Of(tmp)) !== entry.sha256) {
        throw new Error(`the archive of cache ${entry.key} does not have the sha256 its record names`);
      }
      const copy: CacheEntry = { ...entry, lastAccessedAt: this.now() };
      await chmod(tmp, 0o600);
      await rename(tmp, this.archivePath(copy));
      await this.writeMeta(copy);
      await this.evict(cacheEntryId(copy.key, copy.version));
    } finally {
      await rm(tmp, { force: true });
    }
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
    const id = cacheEntryId(key, version);
    if (await exists(join(this.options.root, `${id}.json`))) return { kind: "exists" };
    const tmp = join(this.options.root, `.tmp-${randomUUID()}`);
    try {
      await createArchive(tmp, cwd, paths, compression);
      const sizeBytes = (await stat(tmp)).size;
      if (sizeBytes > this.options.maxBytes) {
        return { kind: "too-large", sizeBytes, maxBytes: this.options.maxBytes };
      }
      const now = this.now();
      const entry: CacheEntry = {
        key,
        version,
        compression,
        sizeBytes,
        createdAt: now,
        lastAccessedAt: now,
      };
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
      if (cacheEntryId(entry.key, entry.version) === keepId) continue;
      await this.remove(entry);
      total -= entry.sizeBytes;
      evicted.push(entry.key);
    }
    return evicted;
  }

  private async remove(entry: CacheEntry): Promise<void> {
    const id = cacheEntryId(entry.key, entry.version);
    await rm(join(this.options.root, `${id}.json`), { force: true });
    await rm(this.archivePath(entry), { force: true });
  }

  private archivePath(entry: Pick<CacheEntry, "key" | "version" | "compression">): string {
    const extension = entry.compression === "zstd" ? "tar.zst" : "tar.gz";
    return join(this.options.root, `${cacheEntryId(entry.key, entry.version)}.${extension}`);
  }

  private async writeMeta(entry: CacheEntry): Promise<void> {
    const target = join(this.options.root, `${cacheEntryId(entry.key, entry.version)}.json`);
    const tmp = `${target}.${randomUUID()}.tmp`;
    await writeFile(tmp, JSON.stringify(entry), { mode: 0o600 });
    await rename(tmp, target);
  }
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
