import { describe, expect, it } from "vitest";
import { prependChangelog, renderNotes, repoLinks } from "./notes.js";
import type { ConventionalCommit } from "./version.js";

const sha = (c: string) => c.repeat(40);
const commit = (
  c: string,
  type: string | null,
  subject: string,
  extra: Partial<ConventionalCommit> = {},
) => ({
  sha: sha(c),
  type,
  scope: null,
  subject,
  breaking: false,
  breakingNotes: [],
  ...extra,
});
const commits: ConventionalCommit[] = [
  commit("a", "feat", "keep the cart across sessions", { scope: "cart" }),
  commit("b", "fix", "round prices to cents"),
  commit("c", "docs", "explain the cart"),
  commit("d", "perf", "cache the catalogue"),
  commit("e", "feat", "drop the v1 API", { breaking: true, breakingNotes: ["clients must call /v2"] }),
  commit("f", null, "WIP"),
];

describe("repoLinks", () => {
  it.each([
    ["https://github.com/acme/shop.git", "https://github.com/acme/shop"],
    ["https://github.com/acme/shop", "https://github.com/acme/shop"],
    ["https://x-access-token:abc@github.com/acme/shop.git", "https://github.com/acme/shop"],
    ["git@github.com:acme/shop.git", "https://github.com/acme/shop"],
    ["ssh://git@github.com/acme/shop.git", "https://github.com/acme/shop"],
    ["ssh://git@github.com:22/acme/shop.git", "https://github.com/acme/shop"],
    ["git@gitlab.com:group/sub/shop.git", "https://gitlab.com/group/sub/shop/-"],
  ])("%s → %s", (remote, base) => {
    const links = repoLinks(remote);
    expect(links?.commit("abc")).toBe(`${base}/commit/abc`);
    expect(links?.compare("web@1.3.0", "web@1.4.0")).toBe(`${base}/compare/web%401.3.0...web%401.4.0`);
  });

  it.each(["/srv/git/shop.git", "../shop", "file:///srv/git/shop.git", "https://github.com/"])(
    "knows no web page for %s",
    (remote) => {
      expect(repoLinks(remote)).toBeUndefined();
    },
  );
});

describe("renderNotes", () => {
  it("groups by type, breaking changes first, hides quiet types, links commits and the comparison", () => {
    const notes = renderNotes({
      version: "2.0.0",
      tag: "web@2.0.0",
      previousTag: "web@1.3.0",
      date: "2026-12-06",
      commits,
      links: repoLinks("git@github.com:acme/shop.git"),
    });
    const link = (c: string) => `([${c.repeat(7)}](https://github.com/acme/shop/commit/${sha(c)}))`;
    expect(notes).toBe(
      [
        "## [2.0.0](https://github.com/acme/shop/compare/web%401.3.0...web%402.0.0) (2026-12-06)",
        "",
        "### ⚠ Breaking changes",
        "",
        `* clients must call /v2 ${link("e")}`,
        "",
        "### Features",
        "",
        `* **cart:** keep the cart across sessions ${link("a")}`,
        `* drop the v1 API ${link("e")}`,
        "",
        "### Bug fixes",
        "",
        `* round prices to cents ${link("b")}`,
        "",
        "### Performance",
        "",
        `* cache the catalogue ${link("d")}`,
        "",
      ].join("\n"),
    );
  });

  it("prints short SHAs without a remote, and says which prerelease a promotion reuses", () => {
    expect(
      renderNotes({
        version: "1.0.0",
        tag: "v1.0.0",
        date: "2026-12-06",
        commits: [commit("b", "fix", "x")],
        promotedFrom: "1.0.0-rc.2",
      }),
    ).toBe(
      "## 1.0.0 (2026-12-06)\n\nPromoted from 1.0.0-rc.2 (same build).\n\n### Bug fixes\n\n* x (bbbbbbb)\n",
    );
  });
});

describe("prependChangelog", () => {
  const notes = "## 1.4.0 (2026-12-06)\n\n### Features\n\n* new (aaaaaaa)\n";
  it("starts a changelog", () => {
    expect(prependChangelog(undefined, notes)).toBe(`# Changelog\n\n${notes}`);
    expect(prependChangelog("\n", notes)).toBe(`# Changelog\n\n${notes}`);
  });

  it("puts the notes above the previous entries and keeps the title and its introduction", () => {
    const existing = "# Changelog\n\nAll notable changes.\n\n## 1.3.0 (2026-11-01)\n\n* old\n";
    expect(prependChangelog(existing, notes)).toBe(
      `# Changelog\n\nAll notable changes.\n\n${notes}\n## 1.3.0 (2026-11-01)\n\n* old\n`,
    );
  });

  it("keeps a file without a title whole, under a new one", () => {
    expect(prependChangelog("Hand-written history.\n", notes)).toBe(
      `# Changelog\n\n${notes}\nHand-written history.\n`,
    );
  });
});
