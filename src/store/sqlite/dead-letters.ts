import { pageSize, type DeadLetter, type DeadLetterStore } from "../ports/dead-letter-store.js";
import { deadLetterFromRow, deadLetterParams, type DeadLetterRow } from "../rows/dead-letter-rows.js";
import type { SqliteDatabase } from "./database.js";

/** SQLite adapter of the DeadLetterStore port (table from migration 004). */
export class SqliteDeadLetterStore implements DeadLetterStore {
  constructor(private readonly db: SqliteDatabase) {}

  add(letter: DeadLetter): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO notification_dead_letters
           (id, channel, notification_id, event_type, notification, attempts, last_error, created_at, last_attempt_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(...deadLetterParams(letter));
    return Promise.resolve();
  }

  get(id: string): Promise<DeadLetter | undefined> {
    const row = this.db.prepare("SELECT * FROM notification_dead_letters WHERE id = ?").get(id) as
      DeadLetterRow | undefined;
    return Promise.resolve(row && deadLetterFromRow(row));
  }

  list(options: { channel?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    const limit = pageSize(options.limit);
    const rows = (
      options.channel === undefined
        ? this.db
            .prepare("SELECT * FROM notification_dead_letters ORDER BY created_at DESC, id DESC LIMIT ?")
            .all(limit)
        : this.db
            .prepare(
              "SELECT * FROM notification_dead_letters WHERE channel = ? ORDER BY created_at DESC, id DESC LIMIT ?",
            )
            .all(options.channel, limit)
    ) as DeadLetterRow[];
    return Promise.resolve(rows.map(deadLetterFromRow));
  }

  recordFailure(id: string, update: { attempts: number; lastError: string; at: number }): Promise<void> {
    this.db
      .prepare(
        "UPDATE notification_dead_letters SET attempts = ?, last_error = ?, last_attempt_at = ? WHERE id = ?",
      )
      .run(update.attempts, update.lastError, update.at, id);
    return Promise.resolve();
  }

  remove(id: string): Promise<boolean> {
    return Promise.resolve(
      this.db.prepare("DELETE FROM notification_dead_letters WHERE id = ?").run(id).changes > 0,
    );
  }

  count(): Promise<number> {
    const row = this.db.prepare("SELECT COUNT(*) AS n FROM notification_dead_letters").get() as { n: number };
    return Promise.resolve(row.n);
  }
}
