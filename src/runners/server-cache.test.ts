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

describe("ServerCache", { timeout: 60_000 }, () => {
  it("when the server cannot be asked, restores from the runner's copies with a warning", async () => {
    const copies = new CacheStore({ root: join(dirs.make(), "cache"), maxBytes: 1e9 });
    const seed = dirs.make();
    writeFiles(seed, { "out/f": "kept on this runner" });
    expect((await copies.save("deps-1", cacheVersion(["out"]), seed, ["out"])).kind).toBe("saved");

    const ctx = makeContext({
      workspace: dirs.make(),
      dataDir: dirs.make(),
      sharedCache: new ServerCache(copies, unreachable, "job-1"),
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

  it("a miss everywhere is no failure (and says which keys it tried)", async () => {
    const ctx = makeContext({
      workspace: dirs.make(),
      dataDir: dirs.make(),
      sharedCache: new ServerCache(
        new CacheStore({ root: join(dirs.make(), "c"), maxBytes: 1e9 }),
        unreachable,
        "j",
      ),
      inputs: { key: "k", path: "out" },
    });
    await cacheRestoreAction.run(ctx);
    expect(ctx.outputs["cache-hit"]).toBe("false");
    expect(ctx.logs).toContain("Cache not found for input keys: k");
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
