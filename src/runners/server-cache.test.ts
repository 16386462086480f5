import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cacheRestoreAction } from "../pipelines/actions/builtin/cache.js";
import { makeContext, tempDirs, writeFiles } from "../pipelines/actions/builtin/test-context.js";
import { CacheStore, cacheVersion } from "../pipelines/cache/cache-store.js";
import { ServerCache, keepSavedEntries } from "./server-cache.js";

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

/** A server address nothing listens on (the discard port, closed here). */
const unreachable = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:9${path}`, init);

const emptyStore = (now?: () => number) =>
  new CacheStore({ root: join(dirs.make(), "cache"), maxBytes: 1e9, ...(now ? { now } : {}) });

describe("ServerCache", { timeout: 60_000 }, () => {
  it("when the server cannot be asked, restores from the runner's copies with a warning", async () => {
    const copies = new CacheStore({ root: join(dirs.make(), "cache"), maxBytes: 1e9 });
    const seed = dirs.make();
    writeFiles(seed, { "out/f": "kept on this runner" });
    expect((await copies.save("deps-1", cacheVersion(["out"]), seed, ["out"])).kind).toBe("saved");

    const ctx = makeContext({
      workspace: dirs.make(),
      dataDir: dirs.make(),
      sharedCache: new ServerCache(copies, emptyStore(), unreachable, "job-1"),
      inputs: { key: "deps-2", path: "out", "restore-keys": "deps-" },
    });
    await cacheRestoreAction.run(ctx);
    expect(ctx.warnings).toEqual([
      expect.stringMatching(
        /^Cannot restore from the server's cache \(.+\); using this runner's own copies\.$/,
      ),
    ]);
    expect(ctx.outputs).toMatchObject({ "cache-hit": "false", "cache-matched-key": "deps-1" });
    expect(readFileSync(join(ctx.workspace, "out/f"), "utf8")).toBe("kept on this runner");
  });

  it("gives up a download that stops sending, and restores from the runner's copies instead", async () => {
    const version = cacheVersion(["out"]);
    const copies = emptyStore();
    const seed = dirs.make();
    writeFiles(seed, { "out/f": "kept on this runner" });
    await copies.save("deps-1", version, seed, ["out"]);
    const entry = { ...(await copies.list())[0]!, sizeBytes: 1 << 20, createdAt: 5, sha256: "0".repeat(64) };
    // The server names an entry, then sends the first bytes of its archive and nothing more.
    const stalling = (path: string) =>
      Promise.resolve(
        path.endsWith("/cache/lookup")
          ? Response.json({ kind: "exact", id: "0".repeat(32), entry })
          : new Response(new ReadableStream({ start: (c) => c.enqueue(new Uint8Array(512)) })),
      );
    const warnings: string[] = [];
    const target = dirs.make();
    const result = await new ServerCache(copies, emptyStore(), stalling, "j", 200).restore(
      "deps-1",
      [],
      version,
      target,
      { warn: (w) => warnings.push(w) },
    );
    expect(warnings).toEqual([
      "Cannot restore from the server's cache (the download of deps-1 stalled: no data for 0.2 s); using this runner's own copies.",
    ]);
    expect(result.kind).toBe("exact");
    expect(readFileSync(join(target, "out/f"), "utf8")).toBe("kept on this runner");
  });

  it("a miss everywhere is no failure (and says which keys it tried)", async () => {
    const ctx = makeContext({
      workspace: dirs.make(),
      dataDir: dirs.make(),
      sharedCache: new ServerCache(emptyStore(), emptyStore(), unreachable, "j"),
      inputs: { key: "k", path: "out" },
    });
    await cacheRestoreAction.run(ctx);
    expect(ctx.outputs["cache-hit"]).toBe("false");
    expect(ctx.logs).toContain("Cache not found for input keys: k");
  });

  it("counts the job's own saves with the other entries: by exact key, and the newest for a prefix", async () => {
    const version = cacheVersion(["out"]);
    const copies = emptyStore(() => 1_000);
    const saved = emptyStore(() => 2_000); // saved by this job, after the runner's copy was made
    const ws = dirs.make();
    writeFiles(ws, { "out/f": "older copy" });
    await copies.save("deps-1", version, ws, ["out"]);
    writeFiles(ws, { "out/f": "saved by this job" });
    await saved.save("deps-2", version, ws, ["out"]);
    const cache = new ServerCache(copies, saved, unreachable, "j");
    for (const [key, restoreKeys, matched, content] of [
      ["deps-2", [], "deps-2", "saved by this job"],
      ["deps-3", ["deps-"], "deps-2", "saved by this job"],
      ["deps-1", ["deps-"], "deps-1", "older copy"],
    ] as const) {
      const target = dirs.make();
      const warnings: string[] = [];
      const result = await cache.restore(key, restoreKeys, version, target, {
        warn: (w) => warnings.push(w),
      });
      expect(result.kind !== "miss" && result.entry.key).toBe(matched);
      expect(readFileSync(join(target, "out/f"), "utf8")).toBe(content);
      expect(warnings).toHaveLength(1);
    }
  });

  it("after a job, the entries it saved join the runner's copies", async () => {
    const version = cacheVersion(["out"]);
    const saved = new CacheStore({ root: join(dirs.make(), "cache"), maxBytes: 1e9 });
    const copies = new CacheStore({ root: join(dirs.make(), "cache"), maxBytes: 1e9 });
    const ws = dirs.make();
    writeFiles(ws, { "out/f": "saved by the job" });
    await saved.save("deps-9", version, ws, ["out"]);
    await keepSavedEntries(saved, copies);
    const target = dirs.make();
    expect((await copies.restore("deps-9", [], version, target)).kind).toBe("exact");
    expect(readFileSync(join(target, "out/f"), "utf8")).toBe("saved by the job");
  });
});
