import { describe, expect, it } from "vitest";
import { cacheVersion } from "../../pipelines/cache/cache-store.js";
import { cacheLookupBody, runnerRoutes } from "./runner.js";

describe("the runner cache routes' validation", () => {
  const version = cacheVersion(["node_modules"]);
  const problems = (body: unknown) => {
    const parsed = cacheLookupBody.safeParse(body);
    return parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
  };

  it("takes GitHub's keys: up to 512 characters, no commas, 10 keys in all, a version of 16 hex digits", () => {
    expect(problems({ key: "deps-abc", restoreKeys: ["deps-"], version })).toEqual([]);
    expect(problems({ key: "a,b", restoreKeys: [], version })).toEqual(["a cache key cannot contain commas"]);
    expect(problems({ key: "x".repeat(513), restoreKeys: [], version })).toHaveLength(1);
    expect(problems({ key: "", restoreKeys: [], version })).toHaveLength(1);
    expect(
      problems({ key: "k", restoreKeys: Array.from({ length: 10 }, (_, i) => `p${i}`), version }),
    ).toHaveLength(1);
    expect(problems({ key: "k", restoreKeys: [], version: "../../etc" })).toEqual([
      "a cache version is 16 hex digits (cacheVersion of the paths)",
    ]);
    expect(problems({ key: "k", restoreKeys: [], version, path: "/" })).toHaveLength(1);
  });

  it("refuses an archive id that is not an entry id before it looks anywhere", async () => {
    const route = runnerRoutes.find((r) => r.path === "/api/runner/jobs/:id/cache/entries/:entry");
    if (!route) throw new Error("no archive route");
    for (const entry of ["../../etc/passwd", "0123", `${"a".repeat(32)}.json`, "A".repeat(32)]) {
      // No app and no queue: a refused id never reaches them.
      const ctx = { params: { id: "j-1", entry }, app: undefined } as never;
      await expect(Promise.resolve().then(() => route.handler(ctx))).rejects.toMatchObject({
        code: "SLIPWAY_INVALID_ARGUMENT",
        message: "a cache entry id is 32 hex digits, as the lookup names it",
      });
    }
  });
});
