import type { Release, ReleaseStatus } from "../../core/release/types.js";

// Rows of `releases` (migrations 003, 006 and 013) as both adapters read them, and what they write.

export interface ReleaseRow {
  service: string;
  version: string;
  ref: string;
  commit_sha: string | null;
  committed_at: string | null;
  digest: string | null;
  status: ReleaseStatus;
  dir: string;
  build_log: string;
  error: string | null;
  exit_code: number | null;
  created_at: string;
  finished_at: string | null;
  tag: string | null;
  notes: string | null;
  promoted_from: string | null;
}

export const releaseFromRow = (row: ReleaseRow): Release => ({
  service: row.service,
  version: row.version,
  ref: row.ref,
  commit: row.commit_sha,
  ...(row.committed_at !== null && { committedAt: row.committed_at }),
  digest: row.digest,
  status: row.status,
  dir: row.dir,
  buildLog: row.build_log,
  ...(row.error !== null && { error: row.error }),
  ...(row.exit_code !== null && { exitCode: row.exit_code }),
  createdAt: row.created_at,
  ...(row.finished_at !== null && { finishedAt: row.finished_at }),
  ...(row.tag !== null && { tag: row.tag }),
  ...(row.notes !== null && { notes: row.notes }),
  ...(row.promoted_from !== null && { promotedFrom: row.promoted_from }),
});

/** The values of an upsert, in the column order of ReleaseRow (service … promoted_from). */
export const releaseParams = (release: Release): unknown[] => [
  release.service,
  release.version,
  release.ref,
  release.commit,
  release.committedAt ?? null,
  release.digest,
  release.status,
  release.dir,
  release.buildLog,
  release.error ?? null,
  release.exitCode ?? null,
  release.createdAt,
  release.finishedAt ?? null,
  release.tag ?? null,
  release.notes ?? null,
  release.promotedFrom ?? null,
];
