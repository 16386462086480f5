import { pageSize, type DeadLetter, type DeadLetterStore } from "../ports/dead-letter-store.js";
import { deadLetterFromRow, deadLetterParams, type DeadLetterRow } from "../rows/dead-letter-rows.js";
import type { PostgresDatabase } from "./database.js";

/** PostgreSQL adapter of the DeadLetterStore port (table from migration 4). */
export class PostgresDeadLetterStore implements DeadLetterStore {
  constructor(private readonly db: PostgresDatabase) {}

  async add(letter: DeadLetter): Promise<void> {
    await this.db.run(
      `INSERT INTO notification_dead_letters
         (id, channel, notification_id, event_type, notification, attempts, last_error, created_at, last_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      deadLetterParams(letter),
    );
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    const [row] = await this.db.rows<DeadLetterRow>("SELECT * FROM notification_dead_letters WHERE id = $1", [
      id,
    ]);
    return row && deadLetterFromRow(row);
  }

  async list(options: { channel?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    const rows = await this.db.rows<DeadLetterRow>(
      `SELECT * FROM notification_dead_letters WHERE ($1::text IS NULL OR channel = $1)
       ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $2`,
      [options.channel ?? null, pageSize(options.limit)],
    );
    return rows.map(deadLetterFromRow);
  }

  async recordFailure(
    id: string,
    update: { attempts: number; lastError: string; at: number },
  ): Promise<void> {
    await this.db.run(
      "UPDATE notification_dead_letters SET attempts = $1, last_error = $2, last_attempt_at = $3 WHERE id = $4",
      [update.attempts, update.lastError, update.at, id],
    );
  }

  async remove(id: string): Promise<boolean> {
    return (await this.db.run("DELETE FROM notification_dead_letters WHERE id = $1", [id])) > 0;
  }

  async count(): Promise<number> {
    const [row] = await this.db.rows<{ n: number }>("SELECT COUNT(*) AS n FROM notification_dead_letters");
    return row?.n ?? 0;
  }
}
