import type { Release } from "../../core/release/types.js";
import type { ReleaseStore } from "../ports/release-store.js";
import { releaseFromRow, releaseParams, type ReleaseRow } from "../rows/release-rows.js";
import { settle, type SqliteDatabase } from "./database.js";

/** SQLite adapter of the ReleaseStore port (table from migration 003). */
export class SqliteReleaseStore implements ReleaseStore {
  constructor(private readonly db: SqliteDatabase) {}

  getRelease(service: string, version: string): Promise<Release | undefined> {
    return settle(() => {
      const row = this.db
        .prepare("SELECT * FROM releases WHERE service = ? AND version = ?")
        .get(service, version) as ReleaseRow | undefined;
      return row && releaseFromRow(row);
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
    return rows.map(releaseFromRow);
  }

  saveRelease(release: Release): Promise<void> {
    return settle(() => this.upsert(release));
  }

  private upsert(release: Release): void {
    this.db
      .prepare(
        `INSERT INTO releases (service, version, ref, commit_sha, committed_at, digest, status, dir, build_log, error, exit_code, created_at, finished_at, tag, notes, promoted_from)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (service, version) DO UPDATE SET
           ref = excluded.ref, commit_sha = excluded.commit_sha, committed_at = excluded.committed_at, digest = excluded.digest, status = excluded.status,
           dir = excluded.dir, build_log = excluded.build_log, error = excluded.error, exit_code = excluded.exit_code,
           created_at = excluded.created_at, finished_at = excluded.finished_at,
           tag = excluded.tag, notes = excluded.notes, promoted_from = excluded.promoted_from`,
      )
      .run(...releaseParams(release));
  }
}
