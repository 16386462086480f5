import type { Lease, LeaseStore } from "../ports/lease-store.js";
import type { PostgresDatabase } from "./database.js";

/** The database's clock in epoch ms (one clock for every replica). */
const NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

interface LeaseRow {
  name: string;
  holder: string;
  epoch: string | number;
  expires_at: string | number;
  url: string | null;
  expired?: boolean;
}

const toLease = (row: LeaseRow): Lease => ({
  name: row.name,
  holder: row.holder,
  epoch: Number(row.epoch),
  expiresAt: Number(row.expires_at),
  ...(row.url ? { url: row.url } : {}),
});

/** LeaseStore on PostgreSQL: conditional upserts, one statement each, on the database's clock. */
export class PostgresLeaseStore implements LeaseStore {
  constructor(private readonly db: PostgresDatabase) {}

  async acquire(name: string, holder: string, ttlMs: number, url?: string): Promise<Lease | undefined> {
    // The row lock this takes waits for fenced writes of the old epoch that are under way.
    const rows = await this.db.rows<LeaseRow>(
      `INSERT INTO control_leases (name, holder, epoch, expires_at, url)
         VALUES ($1, $2, 1, ${NOW_MS} + $3, $4)
       ON CONFLICT (name) DO UPDATE SET
         holder = EXCLUDED.holder,
         epoch = CASE WHEN control_leases.holder = EXCLUDED.holder THEN control_leases.epoch
                      ELSE control_leases.epoch + 1 END,
         expires_at = EXCLUDED.expires_at,
         url = EXCLUDED.url
       WHERE control_leases.holder = EXCLUDED.holder OR control_leases.expires_at < ${NOW_MS}
       RETURNING name, holder, epoch, expires_at, url`,
      [name, holder, ttlMs, url ?? null],
    );
    return rows[0] ? toLease(rows[0]) : undefined;
  }

  async renew(name: string, holder: string, epoch: number, ttlMs: number): Promise<boolean> {
    const changed = await this.db.run(
      `UPDATE control_leases SET expires_at = ${NOW_MS} + $4
        WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at >= ${NOW_MS}`,
      [name, holder, epoch, ttlMs],
    );
    return changed === 1;
  }

  async current(name: string): Promise<(Lease & { expired: boolean }) | undefined> {
    const rows = await this.db.rows<LeaseRow>(
      `SELECT name, holder, epoch, expires_at, url, expires_at < ${NOW_MS} AS expired
         FROM control_leases WHERE name = $1`,
      [name],
    );
    const row = rows[0];
    return row ? { ...toLease(row), expired: row.expired === true } : undefined;
  }

  async release(name: string, holder: string, epoch: number): Promise<void> {
    // Expire it rather than delete it: the epoch must keep growing.
    await this.db.run(
      `UPDATE control_leases SET expires_at = 0 WHERE name = $1 AND holder = $2 AND epoch = $3`,
      [name, holder, epoch],
    );
  }

  async claim(lease: string, epoch: number, key: string): Promise<boolean> {
    // One statement: inserted only while `epoch` still holds the lease, and only once per key.
    const inserted = await this.db.run(
      `INSERT INTO notification_claims (key, epoch, claimed_at)
         SELECT $3, $2, ${NOW_MS} FROM control_leases
          WHERE name = $1 AND epoch = $2 AND expires_at >= ${NOW_MS}
       ON CONFLICT (key) DO NOTHING`,
      [lease, epoch, key],
    );
    return inserted === 1;
  }
}
