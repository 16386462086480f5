import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cacheAction, cacheRestoreAction, cacheSaveAction } from "./cache.js";
import { makeContext, tempDirs, writeFiles } from "./test-context.js";

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe("actions/cache", { timeout: 60_000 }, () => {
  it("misses, saves in post() after a successful job, then hits exactly and does not save again", async () => {
    const dataDir = dirs.make();
    const first = makeContext({
      workspace: dirs.make(),
      dataDir,
      inputs: { key: "deps-v1", path: "node_modules\n.cache/*.bin" },
    });
    await cacheAction.run(first);
    expect(first.outputs["cache-hit"]).toBe("false");
    writeFiles(first.workspace, {
      "node_modules/lib/index.js": "ok",
      ".cache/a.bin": "A",
      ".cache/skip.txt": "no",
    });
    await cacheAction.post!(first, { status: "success" });
    expect(first.logs.some((l) => l.startsWith("Cache saved with key: deps-v1"))).toBe(true);

    const second = makeContext({
      workspace: dirs.make(),
      dataDir,
      inputs: { key: "deps-v1", path: "node_modules\n.cache/*.bin" },
    });
    await cacheAction.run(second);
    expect(second.outputs).toMatchObject({ "cache-hit": "true", "cache-matched-key": "deps-v1" });
    expect(readFileSync(join(second.workspace, "node_modules/lib/index.js"), "utf8")).toBe("ok");
    expect(readFileSync(join(second.workspace, ".cache/a.bin"), "utf8")).toBe("A");
    expect(existsSync(join(second.workspace, ".cache/skip.txt"))).toBe(false);
    await cacheAction.post!(second, { status: "success" });
    expect(second.logs).toContain("Cache hit occurred on the primary key deps-v1, not saving cache.");
  });

  it("restores from a restore-keys prefix with cache-hit false, and saves the new key", async () => {
    const dataDir = dirs.make();
    const seed = makeContext({ workspace: dirs.make(), dataDir, inputs: { key: "deps-aaa", path: "out" } });
    writeFiles(seed.workspace, { "out/x": "old" });
    await cacheSaveAction.run(seed);

    const ctx = makeContext({
      workspace: dirs.make(),
      dataDir,
      inputs: { key: "deps-bbb", path: "out", "restore-keys": "deps-\n" },
    });
    await cacheAction.run(ctx);
    expect(ctx.outputs).toMatchObject({ "cache-hit": "false", "cache-matched-key": "deps-aaa" });
    expect(readFileSync(join(ctx.workspace, "out/x"), "utf8")).toBe("old");
    await cacheAction.post!(ctx, { status: "success" });
    const again = makeContext({ workspace: dirs.make(), dataDir, inputs: { key: "deps-bbb", path: "out" } });
    await cacheRestoreAction.run(again);
    expect(again.outputs["cache-hit"]).toBe("true");
  });

  it("does not save when the job failed", async () => {
    const dataDir = dirs.make();
    const ctx = makeContext({ workspace: dirs.make(), dataDir, inputs: { key: "k", path: "out" } });
    await cacheAction.run(ctx);
    writeFiles(ctx.workspace, { "out/x": "1" });
    await cacheAction.post!(ctx, { status: "failure" });
    expect(ctx.logs).toContain("Not saving cache: the job failed.");
    const later = makeContext({ workspace: dirs.make(), dataDir, inputs: { key: "k", path: "out" } });
    await cacheAction.run(later);
    expect(later.outputs["cache-hit"]).toBe("false");
  });

  it("warns instead of saving when no path exists, and fails on a miss when asked", async () => {
    const dataDir = dirs.make();
    const ctx = makeContext({ workspace: dirs.make(), dataDir, inputs: { key: "k", path: "nothing-here" } });
    await cacheAction.run(ctx);
    await cacheAction.post!(ctx, { status: "success" });
    expect(ctx.warnings[0]).toMatch(/Path Validation Error/);
    const strict = makeContext({
      workspace: dirs.make(),
      dataDir,
      inputs: { key: "k", path: "x", "fail-on-cache-miss": "true" },
    });
    await expect(cacheAction.run(strict)).rejects.toThrow(/fail-on-cache-miss/);
  });

  it("requires key and path", async () => {
    const ctx = makeContext({ workspace: dirs.make(), dataDir: dirs.make(), inputs: { path: "x" } });
    await expect(cacheAction.run(ctx)).rejects.toThrow("input key is required and was not supplied");
  });
});
