import { describe, expect, it } from "vitest";
import type { AssetManifest } from "../../core/assets/manifest.js";
import type { AssetStore, StoredAssetVersion } from "../ports/asset-store.js";

const at = (minute: number) => `2026-12-06T10:${String(minute).padStart(2, "0")}:00.000Z`;

const published = (version: string, digest: string, minute: number, name = "widget"): StoredAssetVersion => {
  const manifest: AssetManifest = {
    name,
    version,
    digest,
    files: [
      {
        path: "w.js",
        size: 3,
        integrity: `sha384-${digest}`,
        contentType: "text/javascript",
        encodings: ["identity"],
      },
    ],
  };
  return { manifest, publishedAt: at(minute), publishedBy: "ci" };
};

const move = (alias: string, toVersion: string, minute: number, extra: object = {}) => ({
  name: "widget",
  alias,
  toVersion,
  action: "move" as const,
  actor: "alice",
  reason: `ship ${toVersion}`,
  at: at(minute),
  ...extra,
});

/** One behaviour for every AssetStore adapter. */
export function assetStoreContract(adapter: string, makeStore: () => AssetStore | Promise<AssetStore>): void {
  describe(`AssetStore contract: ${adapter}`, () => {
    it("keeps a version immutable: the same content is unchanged, other content is refused", async () => {
      const store = await makeStore();
      expect(await store.addVersion(published("1.4.0", "aaa", 1))).toBe("created");
      expect(await store.addVersion(published("1.4.0", "aaa", 2))).toBe("unchanged");
      await expect(store.addVersion(published("1.4.0", "bbb", 3))).rejects.toMatchObject({
        code: "SLIPWAY_CONFLICT",
      });
      const stored = await store.getVersion("widget", "1.4.0");
      expect(stored?.manifest.digest).toBe("aaa");
      expect(stored?.publishedAt).toBe(at(1));
      expect(await store.getVersion("widget", "9.9.9")).toBeUndefined();
    });

    it("lists versions newest first and names sorted", async () => {
      const store = await makeStore();
      await store.addVersion(published("1.0.0", "a", 1));
      await store.addVersion(published("1.1.0", "b", 2));
      await store.addVersion(published("0.1.0", "c", 3, "badge"));
      expect((await store.listVersions("widget")).map((v) => v.manifest.version)).toEqual(["1.1.0", "1.0.0"]);
      expect(await store.listNames()).toEqual(["badge", "widget"]);
    });

    it("moves aliases to published versions only, keeping every move with its before", async () => {
      const store = await makeStore();
      await store.addVersion(published("1.3.0", "a", 1));
      await store.addVersion(published("1.4.0", "b", 2));
      await expect(store.moveAlias(move("stable", "2.0.0", 3))).rejects.toMatchObject({
        code: "SLIPWAY_NOT_FOUND",
      });
      const first = await store.moveAlias(move("stable", "1.3.0", 4));
      expect(first).toMatchObject({ fromVersion: null, toVersion: "1.3.0", action: "move" });
      const second = await store.moveAlias(move("stable", "1.4.0", 5));
      expect(second).toMatchObject({ fromVersion: "1.3.0", toVersion: "1.4.0" });
      expect(second && first && second.id > first.id).toBe(true);
      expect(await store.moveAlias(move("stable", "1.4.0", 6))).toBeUndefined();
      await store.moveAlias(move("beta", "1.4.0", 7));
      expect((await store.listAliases("widget")).map((a) => [a.alias, a.version])).toEqual([
        ["beta", "1.4.0"],
        ["stable", "1.4.0"],
      ]);
      const history = await store.aliasHistory("widget", "stable");
      expect(history.map((m) => [m.fromVersion, m.toVersion])).toEqual([
        ["1.3.0", "1.4.0"],
        [null, "1.3.0"],
      ]);
      expect(await store.listAliases()).toHaveLength(2);
    });

    it("refuses a move whose expected current version is stale, changing nothing", async () => {
      const store = await makeStore();
      await store.addVersion(published("1.3.0", "a", 1));
      await store.addVersion(published("1.4.0", "b", 2));
      await store.moveAlias(move("stable", "1.4.0", 3));
      await expect(
        store.moveAlias(move("stable", "1.3.0", 4, { action: "rollback", expectedFrom: "1.3.0" })),
      ).rejects.toMatchObject({ code: "SLIPWAY_CONFLICT" });
      const rolled = await store.moveAlias(
        move("stable", "1.3.0", 5, { action: "rollback", expectedFrom: "1.4.0" }),
      );
      expect(rolled).toMatchObject({ action: "rollback", fromVersion: "1.4.0", toVersion: "1.3.0" });
      expect(await store.aliasHistory("widget", "stable", { limit: 1 })).toHaveLength(1);
    });

    it("records concurrent moves of one new alias each with the before it replaced", async () => {
      const store = await makeStore();
      for (const [i, v] of ["1.0.0", "1.1.0", "1.2.0", "1.3.0"].entries())
        await store.addVersion(published(v, v, i));
      await Promise.all(
        ["1.0.0", "1.1.0", "1.2.0", "1.3.0"].map((v, i) => store.moveAlias(move("latest", v, 10 + i))),
      );
      const oldestFirst = [...(await store.aliasHistory("widget", "latest"))].reverse();
      expect(oldestFirst[0]?.fromVersion).toBeNull();
      oldestFirst.slice(1).forEach((m, i) => expect(m.fromVersion).toBe(oldestFirst[i]?.toVersion));
    });
  });
}
