import {
  classifyFlagChange,
  FLAG_HISTORY_LIMIT,
  type FlagStore,
  type FlagWrite,
  type StoredFlag,
  type StoredFlagChange,
} from "../ports/flag-store.js";
import {
  changeFromRow,
  changeOfWrite,
  changeParams,
  definitionOf,
  flagFromRow,
  flagParams,
  type ChangeRow,
  type FlagRow,
} from "../rows/flag-rows.js";
import { lock, LOCKS, type PostgresDatabase } from "./database.js";

/**
 * PostgreSQL adapter of the FlagStore port (tables from migration 8). A write reads the stored
 * definition, decides the action and writes, under one advisory lock for all flag writes: a flag
 * that does not exist yet has no row to lock, and change ids then increase in commit order, which
 * `lastChangeId` pollers rely on.
 */
export class PostgresFlagStore implements FlagStore {
  constructor(private readonly db: PostgresDatabase) {}

  async list(): Promise<StoredFlag[]> {
    return (await this.db.rows<FlagRow>('SELECT * FROM flags ORDER BY key COLLATE "C"')).map(flagFromRow);
  }

  async get(key: string): Promise<StoredFlag | undefined> {
    const [row] = await this.db.rows<FlagRow>("SELECT * FROM flags WHERE key = $1", [key]);
    return row && flagFromRow(row);
  }

  write(write: FlagWrite): Promise<StoredFlagChange | undefined> {
    return this.db.transaction(async (tx) => {
      await lock(tx, LOCKS.flags);
      const [row] = await tx.rows<FlagRow>("SELECT * FROM flags WHERE key = $1", [write.key]);
      const before = row ? definitionOf(row.definition) : null;
      const action = classifyFlagChange(before, write.after);
      if (action === undefined) return undefined;
      if (write.after === null) await tx.run("DELETE FROM flags WHERE key = $1", [write.key]);
      else
        await tx.run(
          `INSERT INTO flags (key, definition, updated_at, updated_by) VALUES ($1, $2, $3, $4)
           ON CONFLICT (key) DO UPDATE SET definition = excluded.definition,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
          flagParams(write),
        );
      const [inserted] = (await tx.rows<{ id: number }>(
        `INSERT INTO flag_changes (key, at, actor, action, reason, before_definition, after_definition)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        changeParams(write, action, row ? row.definition : null),
      )) as [{ id: number }];
      return changeOfWrite(inserted.id, write, action, before);
    });
  }

  async history(key: string, options: { limit?: number } = {}): Promise<StoredFlagChange[]> {
    const rows = await this.db.rows<ChangeRow>(
      "SELECT * FROM flag_changes WHERE key = $1 ORDER BY id DESC LIMIT $2",
      [key, options.limit ?? FLAG_HISTORY_LIMIT],
    );
    return rows.map(changeFromRow);
  }

  async lastChangeId(): Promise<number> {
    const [row] = await this.db.rows<{ id: number | null }>("SELECT max(id) AS id FROM flag_changes");
    return row?.id ?? 0;
  }
}
