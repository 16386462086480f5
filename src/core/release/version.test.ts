import { describe, expect, it } from "vitest";
import {
  highestBump,
  latestVersions,
  nextPreNumber,
  planVersion,
  versionOfTag,
  type ConventionalCommit,
} from "./version.js";

let n = 0;
const commit = (type: string | null, extra: Partial<ConventionalCommit> = {}): ConventionalCommit => ({
  sha: `${++n}`.padStart(40, "0"),
  type,
  scope: null,
  subject: `${type ?? "plain"} change`,
  breaking: false,
  breakingNotes: [],
  ...extra,
});
const feat = commit("feat");
const fix = commit("fix");
const perf = commit("perf");
const docs = commit("docs");
const chore = commit("chore");
const plain = commit(null);
const breaking = commit("refactor", { breaking: true, breakingNotes: ["the v1 API is gone"] });

describe("highestBump", () => {
  it.each([
    [[], undefined],
    [[docs, chore, plain], undefined],
    [[fix], "patch"],
    [[perf, docs], "patch"],
    [[fix, feat, perf], "minor"],
    [[feat, breaking, fix], "major"],
    [[commit("docs", { breaking: true })], "major"],
  ] as const)("%j → %s", (commits, bump) => {
    expect(highestBump(commits)).toBe(bump);
  });
});

describe("planVersion", () => {
  it.each([
    // versions, commits since final, commits since latest, pre → expected
    [["1.3.0"], [fix], 1, undefined, { kind: "release", version: "1.3.1", previous: "1.3.0", bump: "patch" }],
    [
      ["1.3.0"],
      [perf],
      1,
      undefined,
      { kind: "release", version: "1.3.1", previous: "1.3.0", bump: "patch" },
    ],
    [
      ["1.3.0", "1.2.0"],
      [fix, feat],
      2,
      undefined,
      { kind: "release", version: "1.4.0", previous: "1.3.0", bump: "minor" },
    ],
    [
      ["1.3.0"],
      [feat, breaking],
      2,
      undefined,
      { kind: "release", version: "2.0.0", previous: "1.3.0", bump: "major" },
    ],
    [[], [fix], 1, undefined, { kind: "release", version: "1.0.0", bump: "patch" }],
    // 0.x as release-please and semantic-release do it by default: breaking → 1.0.0, feat → minor.
    [
      ["0.3.2"],
      [breaking],
      1,
      undefined,
      { kind: "release", version: "1.0.0", previous: "0.3.2", bump: "major" },
    ],
    [
      ["0.3.2"],
      [feat],
      1,
      undefined,
      { kind: "release", version: "0.4.0", previous: "0.3.2", bump: "minor" },
    ],
    [
      ["1.3.0"],
      [feat],
      1,
      "rc",
      { kind: "release", version: "1.4.0-rc.1", previous: "1.3.0", bump: "minor" },
    ],
    [
      ["1.4.0-rc.1", "1.3.0"],
      [feat, fix],
      1,
      "rc",
      { kind: "release", version: "1.4.0-rc.2", previous: "1.3.0", bump: "minor" },
    ],
    // A breaking change after rc.2 of 1.4.0 moves the line to 2.0.0-rc.1.
    [
      ["1.4.0-rc.2", "1.3.0"],
      [breaking, feat],
      1,
      "rc",
      { kind: "release", version: "2.0.0-rc.1", previous: "1.3.0", bump: "major" },
    ],
    [
      ["1.4.0-rc.2", "1.4.0-rc.1", "1.3.0"],
      [feat],
      0,
      undefined,
      { kind: "promote", version: "1.4.0", previous: "1.3.0", from: "1.4.0-rc.2" },
    ],
    [["1.0.0-rc.1"], [feat], 0, undefined, { kind: "promote", version: "1.0.0", from: "1.0.0-rc.1" }],
    // A commit after the rc: the rc is not what HEAD holds, so the final version is its own build.
    [
      ["1.4.0-rc.2", "1.3.0"],
      [fix, feat],
      1,
      undefined,
      { kind: "release", version: "1.4.0", previous: "1.3.0", bump: "minor" },
    ],
    [
      ["1.4.0-beta.3", "1.3.0"],
      [feat],
      0,
      "rc",
      { kind: "release", version: "1.4.0-rc.1", previous: "1.3.0", bump: "minor" },
    ],
  ] as const)("%j + %j (%i since latest, pre %s)", (versions, commits, sinceLatest, pre, expected) => {
    expect(
      planVersion({
        versions,
        commitsSinceFinal: commits,
        commitsSinceLatest: sinceLatest,
        ...(pre !== undefined && { pre }),
      }),
    ).toEqual(expected);
  });

  it("says why there is nothing to release", () => {
    expect(planVersion({ versions: ["1.3.0"], commitsSinceFinal: [], commitsSinceLatest: 0 })).toEqual({
      kind: "nothing",
      reason: "no commits since 1.3.0",
    });
    expect(planVersion({ versions: [], commitsSinceFinal: [docs, chore], commitsSinceLatest: 2 })).toEqual({
      kind: "nothing",
      reason: "no feat, fix, perf, revert or breaking commit since the first commit (2 other)",
    });
    expect(
      planVersion({
        versions: ["1.4.0-rc.1", "1.3.0"],
        commitsSinceFinal: [feat],
        commitsSinceLatest: 0,
        pre: "rc",
      }),
    ).toEqual({ kind: "nothing", reason: "1.4.0-rc.1 already holds every change since 1.3.0" });
  });

  it("bumps the minor for a breaking change below 1.0.0 with bumpMinorPreMajor (release-please's option)", () => {
    const plan = (versions: string[]) =>
      planVersion({
        versions,
        commitsSinceFinal: [breaking],
        commitsSinceLatest: 1,
        bumpMinorPreMajor: true,
      });
    expect(plan(["0.3.2"])).toMatchObject({ version: "0.4.0" });
    expect(plan(["1.3.2"])).toMatchObject({ version: "2.0.0" });
  });
});

describe("versions and tags", () => {
  it("finds the newest version and the newest final one by semver precedence, not by text", () => {
    expect(latestVersions(["1.9.0", "1.10.0-rc.1", "1.10.0-rc.10", "1.10.0-rc.2", "not-semver"])).toEqual({
      latest: "1.10.0-rc.10",
      lastFinal: "1.9.0",
    });
    expect(latestVersions([])).toEqual({});
  });

  it("numbers prereleases after the highest existing one of the same target and identifier", () => {
    expect(nextPreNumber(["1.4.0-rc.1", "1.4.0-rc.9", "1.4.0-beta.12", "1.5.0-rc.30"], "1.4.0", "rc")).toBe(
      10,
    );
    expect(nextPreNumber([], "1.4.0", "rc")).toBe(1);
  });

  it("reads a line's tags and ignores every other tag", () => {
    expect(versionOfTag("web@1.4.0", "web@")).toBe("1.4.0");
    expect(versionOfTag("web@1.4.0-rc.2", "web@")).toBe("1.4.0-rc.2");
    expect(versionOfTag("webapp@1.4.0", "web@")).toBeUndefined();
    expect(versionOfTag("v1.4.0", "v")).toBe("1.4.0");
    expect(versionOfTag("v1.4", "v")).toBeUndefined();
    expect(versionOfTag("v01.4.0", "v")).toBeUndefined();
    expect(versionOfTag("1.4.0", "v")).toBeUndefined();
  });
});
