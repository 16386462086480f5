import { describe, expect, it } from "vitest";
import { contentTypeOf, matchesIfNoneMatch, negotiateEncoding } from "./http.js";
import { etagOf, rollbackTarget, type AliasMove } from "./manifest.js";
import { checkAssetAlias, checkAssetVersion, parseAssetPath } from "./names.js";

describe("parseAssetPath", () => {
  it("tells versions from aliases by their first character", () => {
    expect(parseAssetPath("/assets/widget/1.4.0/js/w.3f9a.js?v=1")).toEqual({
      kind: "version",
      name: "widget",
      version: "1.4.0",
      file: "js/w.3f9a.js",
    });
    expect(parseAssetPath("/assets/widget/2.0.0-rc.1/w.js")).toMatchObject({
      kind: "version",
      version: "2.0.0-rc.1",
    });
    expect(parseAssetPath("/assets/widget/stable/w.js")).toMatchObject({ kind: "alias", alias: "stable" });
    expect(parseAssetPath("/assets/widget/1.4.0/.manifest.json")).toMatchObject({ file: ".manifest.json" });
  });

  it("leaves other paths alone and refuses traversal, NUL, backslash and hidden files", () => {
    expect(parseAssetPath("/api/assets")).toBeUndefined();
    expect(parseAssetPath("/assetsx/a/1.0.0/b")).toBeUndefined();
    for (const path of [
      "/assets/widget/1.4.0/../x.js",
      "/assets/widget/1.4.0/%2e%2e/x.js",
      "/assets/widget/1.4.0/a%2F..%2Fb",
      "/assets/widget/1.4.0/a%00.js",
      "/assets/widget/1.4.0/a%5cb.js",
      "/assets/widget/1.4.0/.br/a.js",
      "/assets/widget/1.4.0/%zz",
      "/assets/widget/1.4.0",
      "/assets/widget/1.4/x.js",
      "/assets/Widget/1.4.0/x.js",
    ])
      expect(parseAssetPath(path), path).toHaveProperty("bad");
  });
});

describe("negotiateEncoding", () => {
  const all = ["identity", "br", "gzip"] as const;
  it("prefers br, then gzip, by q-value, and falls back to identity", () => {
    expect(negotiateEncoding("gzip, deflate, br", all)).toBe("br");
    expect(negotiateEncoding("gzip;q=1, br;q=0.5", all)).toBe("gzip");
    expect(negotiateEncoding("br", ["identity", "gzip"])).toBe("identity");
    expect(negotiateEncoding(undefined, all)).toBe("identity");
    expect(negotiateEncoding("*", all)).toBe("br");
    expect(negotiateEncoding("x-gzip", all)).toBe("gzip");
  });
  it("returns undefined when identity is refused and nothing else is available", () => {
    expect(negotiateEncoding("identity;q=0", ["identity"])).toBeUndefined();
    expect(negotiateEncoding("*;q=0", ["identity"])).toBeUndefined();
    expect(negotiateEncoding("*;q=0, gzip", ["identity", "gzip"])).toBe("gzip");
  });
});

describe("ETags", () => {
  const file = { integrity: "sha384-JSRVK/pNptzwstallOEJJVx5MqHNNy1bDy3mKDUn4e0rgnZXwAE94h1ZhD7/v8tl" };
  it("differ per coding and match If-None-Match lists, weak or strong", () => {
    const tags = (["identity", "br", "gzip"] as const).map((c) => etagOf(file, c));
    expect(new Set(tags).size).toBe(3);
    for (const tag of tags) expect(tag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(matchesIfNoneMatch(`"other", W/${tags[1] ?? ""}`, tags[1] ?? "")).toBe(true);
    expect(matchesIfNoneMatch(`"other"`, tags[0] ?? "")).toBe(false);
    expect(matchesIfNoneMatch("*", tags[0] ?? "")).toBe(true);
  });
});

describe("rollbackTarget", () => {
  const m = (from: string | null, to: string): AliasMove => ({
    id: 1,
    name: "widget",
    alias: "stable",
    fromVersion: from,
    toVersion: to,
    action: "move",
    actor: "a",
    reason: "",
    at: "2026-12-06T10:00:00.000Z",
  });
  it("returns to the version before the latest move; none for a new alias", () => {
    expect(rollbackTarget([m("1.3.0", "1.4.0"), m(null, "1.3.0")])).toBe("1.3.0");
    expect(rollbackTarget([m(null, "1.3.0")])).toBeUndefined();
    expect(rollbackTarget([])).toBeUndefined();
  });
});

describe("names and types", () => {
  it("refuses versions and aliases that could be mistaken for each other", () => {
    expect(() => checkAssetVersion("stable")).toThrow(/semantic version/);
    expect(() => checkAssetAlias("1.4.0")).toThrow(/starting with a letter/);
    expect(contentTypeOf("a/b.WOFF2")).toBe("font/woff2");
    expect(contentTypeOf("README")).toBe("application/octet-stream");
  });
});
