import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { computeAffected, type ServiceNode } from "../affected/affected.js";
import { discoverServices } from "../affected/discover.js";
import { SlipwayError } from "../core/errors.js";
import { prependChangelog, renderNotes, repoLinks } from "../core/release/notes.js";
import type { Release } from "../core/release/types.js";
import {
  latestVersions,
  planVersion,
  tagPrefix,
  versionOfTag,
  type ConventionalCommit,
  type VersionPlan,
} from "../core/release/version.js";
import type { ReleaseStore } from "../store/ports/release-store.js";
import { loadProjectConfig } from "../config/load.js";
import { ReleaseBuilder } from "./builder.js";
import { parseCommitMessage } from "./conventional.js";
import {
  commitFiles,
  commitsSince,
  createTag,
  originUrl,
  repositoryState,
  tagCommit,
  tagsMergedIntoHead,
  type HistoryCommit,
} from "./history.js";

/**
 * `slipway release`: plan a version from the history (read-only, also the dry run), then apply it —
 * CHANGELOG.md commit, annotated tag, release record — in that order, so that a failure leaves
 * the history readable: a tag is never made without its CHANGELOG entry.
 */

export interface ReleaseRequest {
  /** A directory inside the repository. */
  dir: string;
  /** The service whose line to release (`web@1.4.0`); absent: the repository's line (`v1.4.0`). */
  service?: string;
  /** Prerelease identifier, e.g. "rc". */
  pre?: string;
  bumpMinorPreMajor?: boolean;
  now?: () => Date;
}

export interface ReleasePlan {
  root: string;
  head: string;
  branch: string;
  dirtyFiles: string[];
  /** The line's service; undefined for the repository's line. */
  service?: string;
  /** The slipway.yaml service whose release record this version becomes, if any. */
  recordService?: string;
  version: VersionPlan;
  /** This line's commits since its last final version, newest first. */
  commits: ConventionalCommit[];
  tag?: string;
  previousTag?: string;
  /** For a promotion: the prerelease's tag. */
  fromTag?: string;
  notes?: string;
  /** CHANGELOG.md to prepend, relative to the root; final versions only (prereleases go to their tag and record). */
  changelog?: string;
}

/** The message of the commit that adds a version's CHANGELOG entry; such commits never release anything. */
export const releaseCommitMessage = (tag: string): string => `chore(release): ${tag}`;
const RELEASE_COMMIT = /^chore\(release\): \S+@?\S*\s*$/;

export function planRelease(request: ReleaseRequest): ReleasePlan {
  const state = repositoryState(request.dir);
  if (!state.branch) {
    throw new SlipwayError(
      "SLIPWAY_CONFLICT",
      `HEAD is detached at ${state.head.slice(0, 12)}: check out the branch to release (its CHANGELOG commit and tag go on that branch)`,
    );
  }
  const { root } = state;
  let services: ServiceNode[];
  let fromSlipwayYaml: boolean;
  try {
    const discovered = discoverServices(root);
    services = discovered.services;
    fromSlipwayYaml = discovered.source === "slipway.yaml";
  } catch (error) {
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", (error as Error).message);
  }
  const declared = services.filter((s) => !s.internal);
  let line: ServiceNode | undefined;
  let recordService: string | undefined;
  if (request.service !== undefined) {
    line = declared.find((s) => s.name === request.service);
    if (!line) {
      const known = declared.map((s) => s.name).join(", ") || "none found";
      throw new SlipwayError(
        "SLIPWAY_INVALID_ARGUMENT",
        `unknown service '${request.service}' (services: ${known}; from slipway.yaml or package.json workspaces)`,
      );
    }
    if (fromSlipwayYaml) recordService = line.name;
  } else if (fromSlipwayYaml && declared.length > 1) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `this repository declares ${declared.length} services (${declared.map((s) => s.name).join(", ")}): name the one to release, e.g. slipway release ${declared[0]?.name} (tags ${declared[0]?.name}@X.Y.Z)`,
    );
  } else if (fromSlipwayYaml && declared.length === 1) {
    recordService = declared[0]?.name;
  }

  const prefix = tagPrefix(line?.name);
  const tagOf = new Map<string, string>();
  for (const tag of tagsMergedIntoHead(root, prefix)) {
    const version = versionOfTag(tag, prefix);
    if (version !== undefined) tagOf.set(version, tag);
  }
  const versions = [...tagOf.keys()];
  const { latest, lastFinal } = latestVersions(versions);
  // The line's own commits: the existing change detection decides which service a commit touches.
  const belongs = (commit: HistoryCommit): boolean =>
    !RELEASE_COMMIT.test(commit.message.trim()) &&
    (line === undefined || computeAffected(services, commit.files).affected.includes(line.name));
  const finalTag = lastFinal !== undefined ? tagOf.get(lastFinal) : undefined;
  const sinceFinal = commitsSince(root, finalTag).filter(belongs);
  const sinceLatest =
    latest === lastFinal
      ? sinceFinal.length
      : commitsSince(root, tagOf.get(latest as string)).filter(belongs).length;
  const commits = sinceFinal.map((c) => parseCommitMessage(c.sha, c.message));
  const version = planVersion({
    versions,
    commitsSinceFinal: commits,
    commitsSinceLatest: sinceLatest,
    ...(request.pre !== undefined && { pre: request.pre }),
    ...(request.bumpMinorPreMajor && { bumpMinorPreMajor: true }),
  });
  const plan: ReleasePlan = {
    root,
    head: state.head,
    branch: state.branch,
    dirtyFiles: state.dirtyFiles,
    ...(line && { service: line.name }),
    ...(recordService !== undefined && { recordService }),
    version,
    commits,
  };
  if (version.kind === "nothing") return plan;

  const tag = `${prefix}${version.version}`;
  if (versionOfTag(tag, prefix) === undefined) {
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `${tag} is not a valid semver tag`);
  }
  const clash = tagExists(root, tag);
  if (clash) {
    throw new SlipwayError(
      "SLIPWAY_CONFLICT",
      `tag ${tag} already exists on another line of history (commit ${clash.slice(0, 12)}): merge that history or delete the tag`,
    );
  }
  const remote = originUrl(root);
  const links = remote !== undefined ? repoLinks(remote) : undefined;
  const date = (request.now ?? (() => new Date()))().toISOString().slice(0, 10);
  plan.tag = tag;
  if (finalTag !== undefined) plan.previousTag = finalTag;
  if (version.kind === "promote") plan.fromTag = tagOf.get(version.from);
  plan.notes = renderNotes({
    version: version.version,
    tag,
    ...(finalTag !== undefined && { previousTag: finalTag }),
    date,
    commits,
    ...(links && { links }),
    ...(version.kind === "promote" && { promotedFrom: version.from }),
  });
  if (version.kind === "promote" || request.pre === undefined) {
    const dir = line && line.path !== "" && line.path !== "." ? `${line.path}/` : "";
    plan.changelog = `${dir}CHANGELOG.md`;
  }
  return plan;
}

function tagExists(root: string, tag: string): string | undefined {
  try {
    return tagCommit(root, tag);
  } catch {
    return undefined;
  }
}

export interface ApplyOptions {
  /** The Store and data directory of the project: the release record is built (or reused) there. */
  store?: ReleaseStore;
  dataDir?: string;
  now?: () => number;
}

export interface AppliedRelease {
  tag: string;
  /** The commit the tag points at (the CHANGELOG commit for a final version). */
  tagged: string;
  changelog?: string;
  release?: Release;
}

/**
 * Writes what `plan` says: refuses uncommitted changes (the release is built from commits), then
 * prepends the notes to CHANGELOG.md and commits them, tags, and records the release — built from
 * the tag, or for a promotion the prerelease's build under the final version, not rebuilt.
 */
export async function applyRelease(plan: ReleasePlan, options: ApplyOptions = {}): Promise<AppliedRelease> {
  const { version, tag, notes } = plan;
  if (version.kind === "nothing" || tag === undefined || notes === undefined) {
    throw new SlipwayError("SLIPWAY_INTERNAL", "applyRelease needs a plan with a version");
  }
  if (plan.dirtyFiles.length > 0) {
    const shown = plan.dirtyFiles.slice(0, 5).join(", ");
    const more = plan.dirtyFiles.length > 5 ? ` and ${plan.dirtyFiles.length - 5} more` : "";
    throw new SlipwayError(
      "SLIPWAY_CONFLICT",
      `uncommitted changes in ${shown}${more}: commit or stash them first (a release is made from commits)`,
    );
  }
  const recording = plan.recordService !== undefined && options.store && options.dataDir;
  if (recording) {
    // A broken slipway.yaml would fail the build after the tag: refuse before writing anything.
    loadProjectConfig(plan.root);
    const existing = await options.store!.getRelease(plan.recordService!, version.version);
    if (existing?.status === "built") {
      throw new SlipwayError(
        "SLIPWAY_CONFLICT",
        `a release ${plan.recordService} ${version.version} is already recorded (built from ${existing.ref}): it would not be this tag's build`,
      );
    }
  }

  let changelog: string | undefined;
  if (plan.changelog !== undefined) {
    const path = join(plan.root, plan.changelog);
    const before = existsSync(path) ? readFileSync(path, "utf8") : undefined;
    writeFileSync(path, prependChangelog(before, notes));
    commitFiles(plan.root, [plan.changelog], releaseCommitMessage(tag));
    changelog = plan.changelog;
  }
  createTag(plan.root, tag, `${tag}\n\n${notes}`);
  const tagged = tagCommit(plan.root, tag);
  const applied: AppliedRelease = { tag, tagged, ...(changelog !== undefined && { changelog }) };
  if (!recording) return applied;

  const store = options.store!;
  const service = plan.recordService!;
  const builder = new ReleaseBuilder({
    store,
    dataDir: options.dataDir!,
    ...(options.now && { now: options.now }),
  });
  const now = options.now ?? Date.now;
  if (version.kind === "promote") {
    // The prerelease's record (built now from its tag if it never was): same files, digest, commit.
    const candidate = await builder.ensure({
      service,
      version: version.from,
      ref: plan.fromTag,
      projectDir: plan.root,
    });
    const at = new Date(now()).toISOString();
    const release: Release = {
      ...candidate,
      version: version.version,
      ref: tag,
      tag,
      notes,
      promotedFrom: version.from,
      createdAt: at,
      finishedAt: at,
    };
    await store.saveRelease(release);
    return { ...applied, release };
  }
  try {
    // A failed build keeps the tag and notes on its record; a later rebuild (deploy) keeps them too.
    const built = await builder.ensure({
      service,
      version: version.version,
      ref: tag,
      projectDir: plan.root,
      annotation: { tag, notes },
    });
    return { ...applied, release: built };
  } catch (error) {
    if (error instanceof SlipwayError) {
      throw new SlipwayError(
        error.code,
        `tagged ${tag}, but its release was not built: ${error.message} (build it again with: slipway deploy ${service} --env ENV --version ${version.version} --ref ${tag})`,
      );
    }
    throw error;
  }
}
