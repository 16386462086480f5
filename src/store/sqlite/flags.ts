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
import { settle, type SqliteDatabase } from "./database.js";

/** SQLite adapter of the FlagStore port (tables from migration 008). */
export class SqliteFlagStore implements FlagStore {
  constructor(private readonly db: SqliteDatabase) {}

  list(): Promise<StoredFlag[]> {
    return settle(() =>
      (this.db.prepare("SELECT * FROM flags ORDER BY key").all() as FlagRow[]).map(flagFromRow),
    );
  }

  get(key: string): Promise<StoredFlag | undefined> {
    return settle(() => {
      const row = this.db.prepare("SELECT * FROM flags WHERE key = ?").get(key) as FlagRow | undefined;
      return row && flagFromRow(row);
    });
  }

  write(write: FlagWrite): Promise<StoredFlagChange | undefined> {
    // IMMEDIATE: the read of `before` and the write are one step even with another process writing.
    return settle(() => this.db.transaction(() => this.writeNow(write)).immediate());
  }

  private writeNow(write: FlagWrite): StoredFlagChange | undefined {
    const row = this.db.prepare("SELECT * FROM flags WHERE key = ?").get(write.key) as FlagRow | undefined;
    const before = row ? definitionOf(row.definition) : null;
    const action = classifyFlagChange(before, write.after);
    if (action === undefined) return undefined;
    if (write.after === null) this.db.prepare("DELETE FROM flags WHERE key = ?").run(write.key);
    else
      this.db
        .prepare(
          `INSERT INTO flags (key, definition, updated_at, updated_by) VALUES (?, ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET definition = excluded.definition,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        )
        .run(...flagParams(write));
    const inserted = this.db
      .prepare(
        `INSERT INTO flag_changes (key, at, actor, action, reason, before_definition, after_definition)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(...changeParams(write, action, row ? row.definition : null));
    return changeOfWrite(Number(inserted.lastInsertRowid), write, action, before);
  }

  history(key: string, options: { limit?: number } = {}): Promise<StoredFlagChange[]> {
    return settle(() =>
      (
        this.db
          .prepare("SELECT * FROM flag_changes WHERE key = ? ORDER BY id DESC LIMIT ?")
          .all(key, options.limit ?? FLAG_HISTORY_LIMIT) as ChangeRow[]
      ).map(changeFromRow),
    );
  }

  lastChangeId(): Promise<number> {
    return settle(
      () =>
        (this.db.prepare("SELECT max(id) AS id FROM flag_changes").get() as { id: number | null }).id ?? 0,
    );
  }
}
