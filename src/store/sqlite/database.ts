import Database from "better-sqlite3";
import { SlipwayError } from "../../core/errors.js";
import { MIGRATIONS, pendingMigrations, type Migration, type MigrationReport } from "../migrations/index.js";
import { makeDatabasePrivate } from "../private-files.js";
import { storageFault } from "../storage-faults.js";
import { checkIntegrity } from "./integrity.js";

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating if needed) the SQLite database at `path` in WAL mode and applies pending
 * migrations. WAL lets the server write while CLI readers (`slipway runs`) read without blocking.
 */
export function openSqlite(path: string, migrations: readonly Migration[] = MIGRATIONS): SqliteDatabase {
  return openSqliteReporting(path, migrations).db;
}

/** openSqlite, also answering what the migrations it ran applied (`slipway migrate` prints it). */
export function openSqliteReporting(
  path: string,
  migrations: readonly Migration[] = MIGRATIONS,
): { db: SqliteDatabase; migration: MigrationReport } {
  if (path === ":memory:") return prepareDatabase(new Database(path), migrations);
  let db: SqliteDatabase | undefined;
  try {
    makeDatabasePrivate(path);
    db = new Database(path);
    checkIntegrity(db, path);
    return prepareDatabase(db, migrations);
  } catch (error) {
    db?.close();
    const fault = storageFault(error, path);
    if (fault) throw fault;
    throw new SlipwayError("SLIPWAY_STORE", `cannot open database ${path}: ${(error as Error).message}`);
  }
}

function prepareDatabase(
  db: SqliteDatabase,
  migrations: readonly Migration[],
): { db: SqliteDatabase; migration: MigrationReport } {
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  // Several processes (server, CLI) share the file: wait for a lock rather than fail at once.
  db.pragma("busy_timeout = 5000");
  const migration = migrate(db, migrations);
  cacheStatements(db);
  return { db, migration };
}

/** Distinct SQL texts kept prepared; the stores use a few dozen, all from fixed templates. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Makes `db.prepare(sql)` answer the statement prepared before for the same text. The stores call
 * `prepare` per query; compiling SQL each time was most of `GET /api/status`'s cost with a long
 * history (bench/api-latency.mjs). Safe because no caller changes a statement's mode (`pluck`,
 * `raw`, `expand`) or iterates one, and SQLite re-prepares a statement after a schema change.
 */
function cacheStatements(db: SqliteDatabase): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, ReturnType<typeof prepare>>();
  db.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = prepare(sql);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      cache.set(sql, statement);
    }
    return statement;
  }) as typeof db.prepare;
}

/**
 * Applies the pending migrations, each in its own transaction; idempotent. Refuses a database a
 * newer Slipway migrated (pendingMigrations). Answers what it applied.
 */
export function migrate(db: SqliteDatabase, migrations: readonly Migration[]): MigrationReport {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
  );
  const versions = () =>
    db
      .prepare("SELECT version FROM schema_migrations")
      .all()
      .map((row) => (row as { version: number }).version);
  const pending = pendingMigrations(versions(), migrations, db.name);
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  const applied: MigrationReport["applied"] = [];
  for (const migration of pending) {
    // BEGIN IMMEDIATE: two processes opening a fresh database must not both apply a migration.
    db.transaction(() => {
      const again = db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?").get(migration.version);
      if (again) return;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
      applied.push({ version: migration.version, name: migration.name });
    }).immediate();
  }
  return { applied, version: Math.max(0, ...versions()) };
}

/**
 * better-sqlite3 answers synchronously; the Store port is asynchronous (a network database cannot
 * be). The result, or the error thrown, as a promise.
 */
export function settle<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => resolve(work()));
}
