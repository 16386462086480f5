import { describe, expect, it } from "vitest";
import { isFullSha, parseActionUse } from "./action-ref.js";

describe("parseActionUse", () => {
  it.each([
    ["./.github/actions/x", { kind: "local", path: "./.github/actions/x" }],
    ["docker://alpine:3", { kind: "docker", image: "alpine:3" }],
    ["actions/checkout@v4", { kind: "remote", owner: "actions", repo: "checkout", path: "", ref: "v4" }],
    [
      "actions/cache/restore@v4",
      { kind: "remote", owner: "actions", repo: "cache", path: "restore", ref: "v4" },
    ],
    [
      "github/codeql-action/init@v3.1",
      { kind: "remote", owner: "github", repo: "codeql-action", path: "init", ref: "v3.1" },
    ],
    ["org/repo/a/b@feature/x", { kind: "remote", owner: "org", repo: "repo", path: "a/b", ref: "feature/x" }],
  ])("%s", (uses, expected) => {
    expect(parseActionUse(uses)).toEqual(expected);
  });

  it.each(["actions/checkout", "checkout@v4", "a/b@", "a/../x@v1", "a/b/../c@v1"])(
    "rejects %s, saying what is expected",
    (uses) => {
      expect(parseActionUse(uses)).toEqual({
        error: expect.stringContaining("expected owner/repo[/path]@ref") as string,
      });
    },
  );

  it("knows a full commit SHA", () => {
    expect(isFullSha("0123456789abcdef0123456789abcdef01234567")).toBe(true);
    expect(isFullSha("0123456")).toBe(false);
    expect(isFullSha("v4")).toBe(false);
  });
});
