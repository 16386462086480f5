import { createWriteStream } from "node:fs";
import { rename } from "node:fs/promises";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { SharedCache } from "../pipelines/actions/contract.js";
import {
  cacheEntryId,
  matchCacheEntry,
  type CacheEntry,
  type CacheStore,
  type RestoreResult,
} from "../pipelines/cache/cache-store.js";
import { RUNNER_PATHS, type CacheLookupBody, type CacheLookupReply } from "./protocol.js";

/** How long a lookup may take before the runner restores from its own copies. */
const LOOKUP_TIMEOUT_MS = 30_000;
/**
 * How long a download may go without a byte before it is given up (the runner's copies serve
 * then): an archive may take minutes, a server that stopped sending must not hold the step.
 */
const DOWNLOAD_IDLE_MS = 60_000;

/** A runner API call (runner.ts adds the server's address and the runner token). */
export type RunnerCall = (path: string, init?: RequestInit) => Promise<Response>;

type RestoreOptions = Parameters<SharedCache["restore"]>[4];

/**
 * A job's caches on a runner: the server's store is the store of record (it holds what every
 * runner and the server saved), asked for each restore; the chosen archive is fetched into this
 * runner's store of copies, where the next restore of the same entry finds it without a download.
 */
export class ServerCache implements SharedCache {
  constructor(
    /** This runner's copies: entries fetched before and its jobs' saves. */
    private readonly copies: CacheStore,
    /** The job's own saves, which reach the server only when the job has ended. */
    private readonly saved: CacheStore,
    private readonly call: RunnerCall,
    /** The queue job's id: the server answers only the runner holding it. */
    private readonly jobId: string,
    private readonly downloadIdleMs = DOWNLOAD_IDLE_MS,
  ) {}

  async restore(
    key: string,
    restoreKeys: readonly string[],
    version: string,
    cwd: string,
    options: RestoreOptions,
  ): Promise<RestoreResult> {
    try {
      return await this.restoreFrom("server", key, restoreKeys, version, cwd, options);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      options.warn(
        `Cannot restore from the server's cache (${(error as Error).message}); using this runner's own copies.`,
      );
      return this.restoreFrom("copies", key, restoreKeys, version, cwd, options);
    }
  }

  private async restoreFrom(
    source: "server" | "copies",
    key: string,
    restoreKeys: readonly string[],
    version: string,
    cwd: string,
    options: RestoreOptions,
  ): Promise<RestoreResult> {
    const pick =
      source === "server"
        ? await this.lookup({ key, restoreKeys: [...restoreKeys], version }, options.signal)
        : matchCacheEntry(await this.copies.list(), key, restoreKeys, version);
    // The job's own saves count as if the server had them already (on GitHub it would).
    const own = await this.saved.list();
    const picked = pick.kind === "miss" ? undefined : pick.entry;
    const result = matchCacheEntry(picked ? [picked, ...own] : own, key, restoreKeys, version);
    if (result.kind === "miss" || options.lookupOnly) return result;
    if (result.entry !== picked) await this.saved.extract(result.entry, cwd);
    else {
      if (source === "server") await this.fetchCopy(result.entry, options.signal);
      else await this.copies.lookup(result.entry.key, [], version); // marks it used, for eviction
      await this.copies.extract(result.entry, cwd);
    }
    return result;
  }

  private async lookup(body: CacheLookupBody, signal: AbortSignal | undefined): Promise<RestoreResult> {
    // A server that does not answer must not hold the step: the runner's copies serve then.
    const timeout = AbortSignal.timeout(LOOKUP_TIMEOUT_MS);
    const response = await this.call(RUNNER_PATHS.cacheLookup(this.jobId), {
      method: "POST",
      body: JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`lookup: ${response.status} ${text.slice(0, 300)}`);
    const reply = JSON.parse(text) as CacheLookupReply;
    if (reply.kind === "miss") return reply;
    // The record decides how the copy is checked and unpacked: only what this side knows passes.
    const { compression, sizeBytes } = reply.entry;
    if (
      (compression !== "zstd" && compression !== "gzip") ||
      !Number.isSafeInteger(sizeBytes) ||
      sizeBytes < 0
    ) {
      throw new Error(`lookup: the server's record of ${reply.entry.key} is not one this runner reads`);
    }
    const { id: _id, ...result } = reply;
    return result;
  }

  /** Downloads the entry's archive unless this runner's copy is the same one (record and hash). */
  private async fetchCopy(entry: CacheEntry, signal: AbortSignal | undefined): Promise<void> {
    // The id is computed here, from the record: nothing the server sends names a local path.
    const id = cacheEntryId(entry.key, entry.version);
    const copy = await this.copies.find(id);
    if (copy && sameArchive(copy.entry, entry)) {
      await this.copies.lookup(entry.key, [], entry.version); // marks the copy used, for eviction
      return;
    }
    await this.copies.adopt(entry, async (file) => {
      // No limit on the whole (an archive may be gigabytes), one on silence; cancelling the job stops it too.
      const idle = new AbortController();
      const seconds = this.downloadIdleMs / 1000;
      const timer = setTimeout(() => idle.abort(), this.downloadIdleMs);
      const alive = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          timer.refresh();
          done(null, chunk);
        },
      });
      try {
        const response = await this.call(RUNNER_PATHS.cacheArchive(this.jobId, id), {
          method: "POST",
          signal: signal ? AbortSignal.any([signal, idle.signal]) : idle.signal,
        });
        if (!response.ok || !response.body) {
          throw new Error(`cache archive: ${response.status} ${(await response.text()).slice(0, 300)}`);
        }
        await pipeline(
          Readable.fromWeb(response.body as never),
          alive,
          createWriteStream(file, { mode: 0o600 }),
          { signal: idle.signal },
        );
      } catch (error) {
        throw idle.signal.aborted
          ? new Error(`the download of ${entry.key} stalled: no data for ${seconds} s`)
          : error;
      } finally {
        clearTimeout(timer);
      }
    });
  }
}

/** The same record (a copy of the runner's own save has no sha256 until the server hashes it). */
function sameArchive(a: CacheEntry, b: CacheEntry): boolean {
  const hashes = a.sha256 === undefined || b.sha256 === undefined || a.sha256 === b.sha256;
  return a.sizeBytes === b.sizeBytes && a.createdAt === b.createdAt && hashes;
}

/**
 * After a job (and its upload): the entries it saved join this runner's copies, so a restore that
 * chooses one of them needs no download, and a restore without the server still finds them.
 */
export async function keepSavedEntries(saved: CacheStore, copies: CacheStore): Promise<void> {
  for (const entry of await saved.list()) {
    const found = await saved.find(cacheEntryId(entry.key, entry.version));
    if (!found) continue;
    const archive = found.archive;
    await copies.adopt(entry, (file) => rename(archive, file));
  }
}
