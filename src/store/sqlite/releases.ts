import type { Release, ReleaseStatus } from "../../core/release/types.js";
import type { ReleaseStore } from "../ports/release-store.js";
import { settle, type SqliteDatabase } from "./database.js";

interface ReleaseRow {
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
}

const fromRow = (row: ReleaseRow): Release => ({
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
});

/** SQLite adapter of the ReleaseStore port (table from migration 003). */
export class SqliteReleaseStore implements ReleaseStore {
  constructor(private readonly db: SqliteDatabase) {}

  getRelease(service: string, version: string): Promise<Release | undefined> {
    return settle(() => {
      const row = this.db
        .prepare("SELECT * FROM releases WHERE service = ? AND version = ?")
        .get(service, version) as ReleaseRow | undefined;
      return row && fromRow(row);
    });
  }

  listReleases(service?: string): Promise<Release[]> {
    return settle(() => this.releasesOf(service));
  }

  private releasesOf(service?: string): Release[] {
    const rows = (
      service === undefined
        ? this.db.prepare("SELECT * FROM releases ORDER BY created_at DESC, rowid DESC").all()
        : this.db
            .prepare("SELECT * FROM releases WHERE service = ? ORDER BY created_at DESC, rowid DESC")
            .all(service)
    ) as ReleaseRow[];
    return rows.map(fromRow);
  }

  saveRelease(release: Release): Promise<void> {
    return settle(() => this.upsert(release));
  }

  private upsert(release: Release): void {
    this.db
      .prepare(
        `INSERT INTO releases (service, version, ref, commit_sha, committed_at, digest, status, dir, build_log, error, exit_code, created_at, finished_at)
         VALUES (@service, @version, @ref, @commit, @committedAt, @digest, @status, @dir, @buildLog, @error, @exitCode, @createdAt, @finishedAt)
         ON CONFLICT (service, version) DO UPDATE SET
           ref = excluded.ref, commit_sha = excluded.commit_sha, committed_at = excluded.committed_at, digest = excluded.digest, status = excluded.status,
           dir = excluded.dir, build_log = excluded.build_log, error = excluded.error, exit_code = excluded.exit_code,
           created_at = excluded.created_at, finished_at = excluded.finished_at`,
      )
      .run({
        service: release.service,
        version: release.version,
        ref: release.ref,
        commit: release.commit,
        committedAt: release.committedAt ?? null,
        digest: release.digest,
        status: release.status,
        dir: release.dir,
        buildLog: release.buildLog,
        error: release.error ?? null,
        exitCode: release.exitCode ?? null,
        createdAt: release.createdAt,
        finishedAt: release.finishedAt ?? null,
      });
  }
}
