import semver from "semver";

/**
 * Next version from Conventional Commits, with no I/O: the caller reads tags and commits from git
 * and hands them over (changesets' assemble-release-plan shape: plan purely, apply at the edge).
 */

/** A commit as the version planner and the notes need it; `type` is null for a non-conventional message. */
export interface ConventionalCommit {
  sha: string;
  type: string | null;
  scope: string | null;
  subject: string;
  /** `feat!:` or a `BREAKING CHANGE:` / `BREAKING-CHANGE:` footer. */
  breaking: boolean;
  /** What the breaking change says (footer text, else the subject of a `!` header). */
  breakingNotes: string[];
}

export type Bump = "major" | "minor" | "patch";

/** Commit types that release (the Conventional Commits spec and release-please's defaults); other types are quiet. */
export const RELEASE_TYPES: Readonly<Record<string, Exclude<Bump, "major">>> = {
  feat: "minor",
  fix: "patch",
  perf: "patch",
  revert: "patch",
};

/** The first version of a line that has no final tag yet (semantic-release and release-please both start at 1.0.0). */
export const FIRST_VERSION = "1.0.0";

const RANK: Record<Bump, number> = { patch: 1, minor: 2, major: 3 };

export function bumpOf(commit: ConventionalCommit): Bump | undefined {
  if (commit.breaking) return "major";
  return commit.type === null ? undefined : RELEASE_TYPES[commit.type];
}

/** The largest bump any commit asks for; undefined when none releases. */
export function highestBump(commits: readonly ConventionalCommit[]): Bump | undefined {
  let best: Bump | undefined;
  for (const commit of commits) {
    const bump = bumpOf(commit);
    if (bump && (!best || RANK[bump] > RANK[best])) best = bump;
  }
  return best;
}

/** The newest version of a line and its newest final (non-prerelease) version, by semver precedence. */
export function latestVersions(versions: readonly string[]): { latest?: string; lastFinal?: string } {
  const valid = versions.filter((v) => semver.valid(v) !== null).sort(semver.rcompare);
  const lastFinal = valid.find((v) => semver.prerelease(v) === null);
  return {
    ...(valid[0] !== undefined && { latest: valid[0] }),
    ...(lastFinal !== undefined && { lastFinal }),
  };
}

export interface VersionInputs {
  /** Every version of this line whose tag is reachable from HEAD (plain semver, no prefix). */
  versions: readonly string[];
  /** This line's commits since its last final version (all its commits when it has none). */
  commitsSinceFinal: readonly ConventionalCommit[];
  /** How many of this line's commits came after its newest version (a prerelease can be promoted only at 0). */
  commitsSinceLatest: number;
  /** Prerelease identifier (`rc` → `1.4.0-rc.1`); absent for a final version. */
  pre?: string;
  /**
   * release-please's `bump-minor-pre-major`: below 1.0.0 a breaking change bumps the minor. Off by
   * default, as in release-please and semantic-release, where 0.x + breaking → 1.0.0.
   */
  bumpMinorPreMajor?: boolean;
}

export type VersionPlan =
  | { kind: "nothing"; reason: string }
  | { kind: "release"; version: string; previous?: string; bump: Bump }
  /** The newest prerelease already holds every change: the final version reuses its build. */
  | { kind: "promote"; version: string; previous?: string; from: string };

/**
 * The next version of a line.
 *
 * @example
 * planVersion({ versions: ["1.3.0"], commitsSinceFinal: [feat], commitsSinceLatest: 1, pre: "rc" })
 * // → { kind: "release", version: "1.4.0-rc.1", previous: "1.3.0", bump: "minor" }
 */
export function planVersion(inputs: VersionInputs): VersionPlan {
  const { latest, lastFinal } = latestVersions(inputs.versions);
  let bump = highestBump(inputs.commitsSinceFinal);
  const since = lastFinal ?? "the first commit";
  if (!bump) {
    return {
      kind: "nothing",
      reason:
        inputs.commitsSinceFinal.length === 0
          ? `no commits since ${since}`
          : `no feat, fix, perf, revert or breaking commit since ${since} (${inputs.commitsSinceFinal.length} other)`,
    };
  }
  if (bump === "major" && inputs.bumpMinorPreMajor && lastFinal && semver.major(lastFinal) === 0)
    bump = "minor";
  const target = lastFinal ? (semver.inc(lastFinal, bump) as string) : FIRST_VERSION;
  const previous = lastFinal !== undefined ? { previous: lastFinal } : {};
  const latestPre = latest !== undefined ? semver.prerelease(latest) : null;
  const latestIsCandidateOf = (id: string | undefined) =>
    latest !== undefined &&
    latestPre !== null &&
    (id === undefined || latestPre[0] === id) &&
    `${semver.major(latest)}.${semver.minor(latest)}.${semver.patch(latest)}` === target;

  if (inputs.pre === undefined) {
    if (latestIsCandidateOf(undefined) && inputs.commitsSinceLatest === 0) {
      return { kind: "promote", version: target, ...previous, from: latest as string };
    }
    return { kind: "release", version: target, ...previous, bump };
  }
  if (latestIsCandidateOf(inputs.pre) && inputs.commitsSinceLatest === 0) {
    return { kind: "nothing", reason: `${latest} already holds every change since ${since}` };
  }
  return {
    kind: "release",
    version: `${target}-${inputs.pre}.${nextPreNumber(inputs.versions, target, inputs.pre)}`,
    ...previous,
    bump,
  };
}

/** 1 + the highest N of `<target>-<pre>.N` among the versions (1 when there is none). */
export function nextPreNumber(versions: readonly string[], target: string, pre: string): number {
  let highest = 0;
  for (const version of versions) {
    const parsed = semver.parse(version);
    if (!parsed || `${parsed.major}.${parsed.minor}.${parsed.patch}` !== target) continue;
    const [id, n] = parsed.prerelease;
    if (id === pre && typeof n === "number") highest = Math.max(highest, n);
  }
  return highest + 1;
}

/** A prerelease identifier semver accepts as one dot-free part, e.g. `rc`, `beta`. */
export const PRE_ID = /^[0-9A-Za-z-]+$/;

/** How a line's tags are spelled: `v1.4.0` for the repository, `web@1.4.0` for one service. */
export const tagPrefix = (service: string | undefined): string =>
  service === undefined ? "v" : `${service}@`;

/** The version a tag names in a line, or undefined when it is not one of this line's semver tags. */
export function versionOfTag(tag: string, prefix: string): string | undefined {
  if (!tag.startsWith(prefix)) return undefined;
  const version = tag.slice(prefix.length);
  return semver.valid(version) === version ? version : undefined;
}
