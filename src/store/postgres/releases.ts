import type { Release, ReleaseStatus } from "../../core/release/types.js";
import type { ReleaseStore } from "../ports/release-store.js";
import type { PostgresDatabase } from "./database.js";

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

/** PostgreSQL adapter of the ReleaseStore port (table from migration 3). */
export class PostgresReleaseStore implements ReleaseStore {
  constructor(private readonly db: PostgresDatabase) {}

  async getRelease(service: string, version: string): Promise<Release | undefined> {
    const [row] = await this.db.rows<ReleaseRow>(
      "SELECT * FROM releases WHERE service = $1 AND version = $2",
      [service, version],
    );
    return row && fromRow(row);
  }

  async listReleases(service?: string): Promise<Release[]> {
    // `seq` keeps SQLite's rowid order: a retried build stays where its first attempt was.
    const rows = await this.db.rows<ReleaseRow>(
      `SELECT * FROM releases WHERE ($1::text IS NULL OR service = $1)
       ORDER BY created_at COLLATE "C" DESC, seq DESC`,
      [service ?? null],
    );
    return rows.map(fromRow);
  }

  async saveRelease(release: Release): Promise<void> {
    await this.db.run(
      `INSERT INTO releases (service, version, ref, commit_sha, committed_at, digest, status, dir, build_log, error, exit_code, created_at, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (service, version) DO UPDATE SET
         ref = excluded.ref, commit_sha = excluded.commit_sha, committed_at = excluded.committed_at, digest = excluded.digest, status = excluded.status,
         dir = excluded.dir, build_log = excluded.build_log, error = excluded.error, exit_code = excluded.exit_code,
         created_at = excluded.created_at, finished_at = excluded.finished_at`,
      [
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
      ],
    );
  }
}
