import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  existsSync,
  readdirSync,
  statSync,
} from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  CACHE_ENTRY_ID,
  CacheStore,
  cacheEntryId,
  cacheVersion,
  matchCacheEntry,
  type CacheEntry,
} from "./cache-store.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "slipway-cache-"));
  dirs.push(dir);
  return dir;
}

function workspaceWith(files: Record<string, string>): string {
  const ws = tempDir();
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(ws, path, ".."), { recursive: true });
    writeFileSync(join(ws, path), content);
  }
  return ws;
}

describe("CacheStore", { timeout: 60_000 }, () => {
  const version = cacheVersion(["node_modules"]);

  it("restores an exact key into another workspace, with file contents", async () => {
    let clock = 1000;
    const store = new CacheStore({ root: join(tempDir(), "cache"), maxBytes: 1e9, now: () => clock++ });
    const source = workspaceWith({
      "node_modules/a/index.js": "module.exports = 1",
      "node_modules/.bin/x": "#!",
    });
    const saved = await store.save("deps-abc", version, source, ["node_modules"]);
    expect(saved.kind).toBe("saved");

    const target = tempDir();
    const restored = await store.restore("deps-abc", [], version, target);
    expect(restored.kind).toBe("exact");
    expect(readFileSync(join(target, "node_modules/a/index.js"), "utf8")).toBe("module.exports = 1");
    expect(existsSync(join(target, "node_modules/.bin/x"))).toBe(true);
  });

  it("keeps its archives and records owner-only (0600 in a 0700 folder)", async () => {
    const root = join(tempDir(), "cache");
    const store = new CacheStore({ root, maxBytes: 1e9, now: () => 1000 });
    expect(
      (await store.save("deps-modes", version, workspaceWith({ "node_modules/m": "x" }), ["node_modules"]))
        .kind,
    ).toBe("saved");
    expect(statSync(root).mode & 0o777).toBe(0o700);
    const files = readdirSync(root);
    expect(files.length).toBeGreaterThanOrEqual(2); // the archive and its record
    for (const file of files) expect([file, statSync(join(root, file)).mode & 0o777]).toEqual([file, 0o600]);
  });

  it("falls back to the newest entry matching the first restore-key prefix that matches", async () => {
    let clock = 1000;
    const store = new CacheStore({ root: join(tempDir(), "cache"), maxBytes: 1e9, now: () => clock++ });
    await store.save("deps-linux-old", version, workspaceWith({ "node_modules/v": "old" }), ["node_modules"]);
    await store.save("deps-linux-new", version, workspaceWith({ "node_modules/v": "new" }), ["node_modules"]);
    await store.save("other-linux-x", version, workspaceWith({ "node_modules/v": "other" }), [
      "node_modules",
    ]);

    const target = tempDir();
    const result = await store.restore(
      "deps-linux-missing",
      ["nope-", "deps-linux-", "other-"],
      version,
      target,
    );
    expect(result.kind).toBe("partial");
    expect(result.kind === "partial" && result.entry.key).toBe("deps-linux-new");
    expect(result.kind === "partial" && result.matchedPrefix).toBe("deps-linux-");
    expect(readFileSync(join(target, "node_modules/v"), "utf8")).toBe("new");
  });

  it("misses when nothing matches, and when the entry was saved for other paths", async () => {
    const store = new CacheStore({ root: join(tempDir(), "cache"), maxBytes: 1e9 });
    await store.save("k", version, workspaceWith({ "node_modules/v": "1" }), ["node_modules"]);
    expect((await store.restore("x", ["y"], version, tempDir())).kind).toBe("miss");
    expect((await store.restore("k", [], cacheVersion(["dist"]), tempDir())).kind).toBe("miss");
  });

  it("never overwrites an existing key", async () => {
    const store = new CacheStore({ root: join(tempDir(), "cache"), maxBytes: 1e9 });
    await store.save("k", version, workspaceWith({ "node_modules/v": "first" }), ["node_modules"]);
    expect(
      (await store.save("k", version, workspaceWith({ "node_modules/v": "second" }), ["node_modules"])).kind,
    ).toBe("exists");
    const target = tempDir();
    await store.restore("k", [], version, target);
    expect(readFileSync(join(target, "node_modules/v"), "utf8")).toBe("first");
  });

  it("evicts the least recently used entries beyond the size limit, not the oldest created", async () => {
    let clock = 1000;
    const root = join(tempDir(), "cache");
    // Random bytes do not compress, so each archive is a bit over 40 kB.
    const blob = (): string =>
      Buffer.from(Array.from({ length: 30_000 }, () => Math.random() * 256)).toString("base64");
    const probe = new CacheStore({ root: join(tempDir(), "probe"), maxBytes: 1e9 });
    const probeResult = await probe.save("p", version, workspaceWith({ "node_modules/v": blob() }), [
      "node_modules",
    ]);
    const oneEntry = probeResult.kind === "saved" ? probeResult.entry.sizeBytes : 0;
    expect(oneEntry).toBeGreaterThan(30_000);

    const store = new CacheStore({ root, maxBytes: Math.floor(oneEntry * 2.5), now: () => clock++ });
    await store.save("a", version, workspaceWith({ "node_modules/v": blob() }), ["node_modules"]);
    await store.save("b", version, workspaceWith({ "node_modules/v": blob() }), ["node_modules"]);
    // Touch "a": now "b" is the least recently used.
    expect((await store.restore("a", [], version, tempDir())).kind).toBe("exact");
    const third = await store.save("c", version, workspaceWith({ "node_modules/v": blob() }), [
      "node_modules",
    ]);
    expect(third.kind === "saved" && third.evicted).toEqual(["b"]);
    expect((await store.list()).map((entry) => entry.key).sort()).toEqual(["a", "c"]);
    expect(readdirSync(root).filter((name) => name.includes(".tar."))).toHaveLength(2);
    expect(await store.totalBytes()).toBeLessThanOrEqual(oneEntry * 2.5);
  });

  it("refuses an archive larger than the whole store", async () => {
    const store = new CacheStore({ root: join(tempDir(), "cache"), maxBytes: 10 });
    const result = await store.save("big", version, workspaceWith({ "node_modules/v": "x".repeat(5000) }), [
      "node_modules",
    ]);
    expect(result.kind).toBe("too-large");
    expect(await store.list()).toEqual([]);
  });

  it("reports a path that does not exist as a tar error", async () => {
    const store = new CacheStore({ root: join(tempDir(), "cache"), maxBytes: 1e9 });
    await expect(store.save("k", version, tempDir(), ["missing-dir"])).rejects.toThrow(/tar exited/);
  });
});

describe("matchCacheEntry", () => {
  const entry = (key: string, createdAt: number, version = "v1"): CacheEntry => ({
    key,
    version,
    compression: "gzip",
    sizeBytes: 1,
    createdAt,
    lastAccessedAt: createdAt,
  });
  const entries = [
    entry("deps-a", 1),
    entry("deps-b", 3),
    entry("deps-c", 2),
    entry("tools-x", 4),
    entry("deps-z", 9, "v2"),
  ];

  it("takes the exact key before any prefix, and only entries of the same version", () => {
    expect(matchCacheEntry(entries, "deps-a", ["deps-"], "v1")).toEqual({ kind: "exact", entry: entries[0] });
    expect(matchCacheEntry(entries, "deps-z", [], "v1")).toEqual({ kind: "miss" });
  });

  it("takes the newest entry of the first prefix any entry starts with", () => {
    expect(matchCacheEntry(entries, "deps-new", ["nothing-", "deps-", "tools-"], "v1")).toEqual({
      kind: "partial",
      entry: entries[1],
      matchedPrefix: "deps-",
    });
    expect(matchCacheEntry(entries, "deps-new", ["tools-", "deps-"], "v1")).toMatchObject({
      entry: { key: "tools-x" },
    });
    expect(matchCacheEntry(entries, "deps-new", ["deps-z"], "v1")).toEqual({ kind: "miss" });
  });
});

describe("CacheStore copies of another store's entries", { timeout: 60_000 }, () => {
  const version = cacheVersion(["out"]);

  async function savedElsewhere(): Promise<{ entry: CacheEntry; archive: string }> {
    const origin = new CacheStore({ root: join(tempDir(), "origin"), maxBytes: 1e9 });
    const saved = await origin.save("k-1", version, workspaceWith({ "out/f": "from origin" }), ["out"]);
    if (saved.kind !== "saved") throw new Error(saved.kind);
    expect(saved.entry.sha256).toBeUndefined(); // a save does not hash: most entries stay local
    const found = await origin.find(cacheEntryId("k-1", version));
    if (!found) throw new Error("not found");
    const entry = await origin.withSha256(found.entry);
    expect(entry.sha256).toBe(createHash("sha256").update(readFileSync(found.archive)).digest("hex"));
    // …and recorded: the next reader gets it without hashing again.
    expect((await origin.find(cacheEntryId("k-1", version)))?.entry.sha256).toBe(entry.sha256);
    return { entry, archive: found.archive };
  }

  it("keeps a copy whose size and sha256 match the record, and restores from it", async () => {
    const { entry, archive } = await savedElsewhere();
    const copies = new CacheStore({ root: join(tempDir(), "copies"), maxBytes: 1e9 });
    await copies.adopt(entry, (file) => Promise.resolve(writeFileSync(file, readFileSync(archive))));
    const target = tempDir();
    expect(await copies.restore("k-1", [], version, target)).toMatchObject({ kind: "exact" });
    expect(readFileSync(join(target, "out/f"), "utf8")).toBe("from origin");
  });

  it("refuses a copy of another size or another hash, and keeps nothing of it", async () => {
    const { entry, archive } = await savedElsewhere();
    const root = join(tempDir(), "copies");
    const copies = new CacheStore({ root, maxBytes: 1e9 });
    const bytes = readFileSync(archive);
    await expect(
      copies.adopt(entry, (file) => Promise.resolve(writeFileSync(file, bytes.subarray(1)))),
    ).rejects.toThrow(/has \d+ bytes, its record says \d+/);
    const flipped = Buffer.from(bytes);
    const last = flipped.length - 1;
    flipped.writeUInt8(flipped.readUInt8(last) ^ 0xff, last);
    await expect(
      copies.adopt(entry, (file) => Promise.resolve(writeFileSync(file, flipped))),
    ).rejects.toThrow(/does not have the sha256/);
    expect(readdirSync(root)).toEqual([]);
  });

  it("finds entries only by an id of 32 hex digits", async () => {
    const { entry } = await savedElsewhere();
    const store = new CacheStore({ root: join(tempDir(), "copies"), maxBytes: 1e9 });
    expect(await store.find("../origin/x")).toBeUndefined();
    expect(await store.find(cacheEntryId(entry.key, entry.version))).toBeUndefined();
    expect(CACHE_ENTRY_ID.test(cacheEntryId("any key", "any version"))).toBe(true);
  });
});
