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
}
