import { ADAPTER_ONLY_COLUMNS, BACKUP_TABLES, notEmpty, type BackupTable } from "../backup.js";
import type { SqliteDatabase } from "./database.js";

const columnsOf = (db: SqliteDatabase, table: string): string[] =>
  (db.prepare(`SELECT name FROM pragma_table_info('${table}')`).all() as { name: string }[])
    .map((c) => c.name)
    .filter((c) => !(ADAPTER_ONLY_COLUMNS[table] ?? []).includes(c));

/**
 * Every backed-up table in one read transaction: with WAL, a consistent snapshot while the server
 * keeps writing.
 */
export function snapshotSqlite(db: SqliteDatabase): BackupTable[] {
  return db.transaction(() =>
    BACKUP_TABLES.map(({ name, orderBy, sqliteOrderBy }) => {
      const columns = columnsOf(db, name);
      const rows = db
        .prepare(`SELECT ${columns.join(", ")} FROM ${name} ORDER BY ${sqliteOrderBy ?? orderBy}`)
        .all() as Record<string, unknown>[];
      return { table: name, columns, rows: rows.map((row) => columns.map((c) => row[c])) };
    }),
  )();
}

/** Loads a backup into this empty database in one transaction; refuses a non-empty one. */
export function loadSqlite(db: SqliteDatabase, location: string, tables: readonly BackupTable[]): void {
  db.transaction(() => {
    for (const { name } of BACKUP_TABLES) {
      const { n } = db.prepare(`SELECT COUNT(*) AS n FROM ${name}`).get() as { n: number };
      if (n > 0) throw notEmpty(location, name, n);
    }
    for (const t of tables) {
      const target = new Set(columnsOf(db, t.table));
      const keep = t.columns.map((c, i) => [c, i] as const).filter(([c]) => target.has(c));
      const insert = db.prepare(
        `INSERT INTO ${t.table} (${keep.map(([c]) => c).join(", ")}) VALUES (${keep.map(() => "?").join(", ")})`,
      );
      for (const row of t.rows) insert.run(...keep.map(([, i]) => row[i]));
    }
  }).immediate();
}
