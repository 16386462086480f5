import type { Release } from "../../core/release/types.js";
import type { ReleaseStore } from "../ports/release-store.js";
import { releaseFromRow, releaseParams, type ReleaseRow } from "../rows/release-rows.js";
import type { PostgresDatabase } from "./database.js";

/** PostgreSQL adapter of the ReleaseStore port (table from migration 3). */
export class PostgresReleaseStore implements ReleaseStore {
  constructor(private readonly db: PostgresDatabase) {}

  async getRelease(service: string, version: string): Promise<Release | undefined> {
    const [row] = await this.db.rows<ReleaseRow>(
      "SELECT * FROM releases WHERE service = $1 AND version = $2",
      [service, version],
    );
    return row && releaseFromRow(row);
  }

  async listReleases(service?: string): Promise<Release[]> {
    // `seq` keeps SQLite's rowid order: a retried build stays where its first attempt was.
    const rows = await this.db.rows<ReleaseRow>(
      `SELECT * FROM releases WHERE ($1::text IS NULL OR service = $1)
       ORDER BY created_at COLLATE "C" DESC, seq DESC`,
      [service ?? null],
    );
    return rows.map(releaseFromRow);
  }

  async saveRelease(release: Release): Promise<void> {
    await this.db.run(
      `INSERT INTO releases (service, version, ref, commit_sha, committed_at, digest, status, dir, build_log, error, exit_code, created_at, finished_at, tag, notes, promoted_from)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       ON CONFLICT (service, version) DO UPDATE SET
         ref = excluded.ref, commit_sha = excluded.commit_sha, committed_at = excluded.committed_at, digest = excluded.digest, status = excluded.status,
         dir = excluded.dir, build_log = excluded.build_log, error = excluded.error, exit_code = excluded.exit_code,
         created_at = excluded.created_at, finished_at = excluded.finished_at,
           tag = excluded.tag, notes = excluded.notes, promoted_from = excluded.promoted_from`,
      releaseParams(release),
    );
  }
}
