/**
 * A release: an immutable build of one service at one version. Its files live in
 * `<dataDir>/releases/<service>/<version>/` and its build log beside them; the record says where
 * they came from (ref, commit) and what they are (digest over every file's path and content).
 */
export type ReleaseStatus = "building" | "built" | "failed";

export interface Release {
  service: string;
  version: string;
  /** The ref asked for ("HEAD", "main", "v1.2.0"); "working-tree" when the project is not a git repo. */
  ref: string;
  /** Full commit SHA the files were exported from; null for a working-tree copy. */
  commit: string | null;
  /** Committer date of `commit` (ISO 8601, git's %cI); absent for a working-tree copy. */
  committedAt?: string;
  /** "sha256:<hex>" over sorted file paths and contents after the build; null until built. */
  digest: string | null;
  status: ReleaseStatus;
  /** Absolute directory holding the release's files (the start command runs here). */
  dir: string;
  /** Absolute path of the build log (secrets masked). */
  buildLog: string;
  /** Why the build failed, one line (secrets masked). */
  error?: string;
  /** The build command's exit code, when it ran and exited. */
  exitCode?: number;
  createdAt: string;
  finishedAt?: string;
  /** The git tag `slipway release` made for this version (`web@1.4.0`, `v1.4.0`). */
  tag?: string;
  /** Release notes (Markdown) written by `slipway release`. */
  notes?: string;
  /** The prerelease (`1.4.0-rc.2`) whose build this final version is, unchanged. */
  promotedFrom?: string;
}

/** What `slipway release` says about a version, kept on its record across rebuilds. */
export type ReleaseAnnotation = Pick<Release, "tag" | "notes" | "promotedFrom">;

/** The annotation fields of a record (none when it has none). */
export const annotationOf = (release: Release | undefined): ReleaseAnnotation => ({
  ...(release?.tag !== undefined && { tag: release.tag }),
  ...(release?.notes !== undefined && { notes: release.notes }),
  ...(release?.promotedFrom !== undefined && { promotedFrom: release.promotedFrom }),
});
