import {
  classifyFlagChange,
  FLAG_HISTORY_LIMIT,
  type FlagChangeAction,
  type FlagStore,
  type FlagWrite,
  type StoredFlag,
  type StoredFlagChange,
  type StoredFlagDefinition,
} from "../ports/flag-store.js";
import { settle, type SqliteDatabase } from "./database.js";

interface FlagRow {
  key: string;
  definition: string;
  updated_at: string;
  updated_by: string;
}

interface ChangeRow {
  id: number;
  key: string;
  at: string;
  actor: string;
  action: FlagChangeAction;
  reason: string;
  before_definition: string | null;
  after_definition: string | null;
}

const definitionOf = (text: string | null): StoredFlagDefinition | null =>
  text === null ? null : (JSON.parse(text) as StoredFlagDefinition);

const flagFromRow = (row: FlagRow): StoredFlag => ({
  key: row.key,
  definition: definitionOf(row.definition)!,
  updatedAt: row.updated_at,
  updatedBy: row.updated_by,
});

const changeFromRow = (row: ChangeRow): StoredFlagChange => ({
  id: row.id,
  key: row.key,
  at: row.at,
  actor: row.actor,
  action: row.action,
  reason: row.reason,
  before: definitionOf(row.before_definition),
  after: definitionOf(row.after_definition),
});

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
        .run(write.key, JSON.stringify(write.after), write.at, write.actor);
    const inserted = this.db
      .prepare(
        `INSERT INTO flag_changes (key, at, actor, action, reason, before_definition, after_definition)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        write.key,
        write.at,
        write.actor,
        action,
        write.reason,
        row ? row.definition : null,
        write.after === null ? null : JSON.stringify(write.after),
      );
    return {
      id: Number(inserted.lastInsertRowid),
      key: write.key,
      at: write.at,
      actor: write.actor,
      action,
      reason: write.reason,
      before,
      after: write.after,
    };
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
