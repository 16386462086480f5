import { describe, expect, it } from "vitest";
import type { Release } from "../../core/release/types.js";
import type { ReleaseStore } from "../ports/release-store.js";

export const release = (
  service: string,
  version: string,
  createdAt: string,
  extra: Partial<Release> = {},
): Release => ({
  service,
  version,
  ref: "HEAD",
  commit: "a".repeat(40),
  digest: null,
  status: "building",
  dir: `/data/releases/${service}/${version}`,
  buildLog: `/data/releases/${service}/${version}.build.log`,
  createdAt,
  ...extra,
});

/** One behaviour for every ReleaseStore adapter. */
export function releaseStoreContract(
  adapter: string,
  makeStore: () => ReleaseStore | Promise<ReleaseStore>,
): void {
  describe(`ReleaseStore contract: ${adapter}`, () => {
    it("keeps one record per service and version, replaced by the next attempt", async () => {
      const store = await makeStore();
      await store.saveRelease(release("web", "v1", "2026-11-25T10:00:00.000Z"));
      const failed = release("web", "v1", "2026-11-25T10:00:00.000Z", {
        status: "failed",
        error: "build failed (exit 2): oops",
        exitCode: 2,
        finishedAt: "2026-11-25T10:01:00.000Z",
      });
      await store.saveRelease(failed);
      expect(await store.getRelease("web", "v1")).toEqual(failed);

      const built = release("web", "v2", "2026-11-25T11:00:00.000Z", {
        status: "built",
        digest: `sha256:${"0".repeat(64)}`,
        commit: null,
        ref: "working-tree",
      });
      await store.saveRelease(built);
      await store.saveRelease(release("api", "v1", "2026-11-25T12:00:00.000Z"));

      expect((await store.listReleases("web")).map((r) => r.version)).toEqual(["v2", "v1"]);
      expect((await store.listReleases()).map((r) => `${r.service}@${r.version}`)).toEqual([
        "api@v1",
        "web@v2",
        "web@v1",
      ]);
      expect(await store.listReleases("worker")).toEqual([]);
      expect(await store.getRelease("web", "v2")).toEqual(built);
      expect(await store.getRelease("web", "v3")).toBeUndefined();
    });

    it("keeps the commit time, and drops optional fields a later attempt no longer has", async () => {
      const store = await makeStore();
      const committed = release("web", "v1", "2026-11-25T10:00:00.000Z", {
        status: "failed",
        error: "oops",
        exitCode: 1,
        committedAt: "2026-11-25T09:00:00+01:00",
      });
      await store.saveRelease(committed);
      expect(await store.getRelease("web", "v1")).toEqual(committed);
      const retried = release("web", "v1", "2026-11-25T10:05:00.000Z");
      await store.saveRelease(retried);
      expect(await store.getRelease("web", "v1")).toEqual(retried);
    });

    it("keeps the tag, the notes and the prerelease a final version was promoted from", async () => {
      const store = await makeStore();
      const notes = "## 1.4.0 (2026-12-06)\n\n### Features\n\n* **cart:** keep items — ünïcode ✓ (abc1234)\n";
      const candidate = release("web", "1.4.0-rc.1", "2026-12-06T10:00:00.000Z", {
        status: "built",
        digest: `sha256:${"1".repeat(64)}`,
        tag: "web@1.4.0-rc.1",
        notes,
      });
      const final = {
        ...candidate,
        version: "1.4.0",
        ref: "web@1.4.0",
        tag: "web@1.4.0",
        promotedFrom: "1.4.0-rc.1",
        createdAt: "2026-12-06T11:00:00.000Z",
      };
      await store.saveRelease(candidate);
      await store.saveRelease(final);
      expect(await store.getRelease("web", "1.4.0-rc.1")).toEqual(candidate);
      expect(await store.getRelease("web", "1.4.0")).toEqual(final);
      expect((await store.listReleases("web")).map((r) => [r.version, r.promotedFrom])).toEqual([
        ["1.4.0", "1.4.0-rc.1"],
        ["1.4.0-rc.1", undefined],
      ]);
      const plain = release("web", "1.4.0", "2026-12-06T12:00:00.000Z");
      await store.saveRelease(plain);
      expect(await store.getRelease("web", "1.4.0")).toEqual(plain);
    });
  });
}
