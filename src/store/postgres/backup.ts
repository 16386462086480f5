import { ADAPTER_ONLY_COLUMNS, BACKUP_TABLES, notEmpty, type BackupTable } from "../backup.js";
import type { PostgresDatabase, Queryable } from "./database.js";

/** Identity columns whose sequences must follow restored keys. */
const IDENTITIES: ReadonlyArray<[string, string]> = [
  ["workflow_runs", "id"],
  ["audit_events", "seq"],
  ["releases", "seq"],
  ["webhook_deliveries", "seq"],
  ["flag_changes", "id"],
  ["asset_alias_moves", "id"],
  ["channel_moves", "id"],
  ["release_attestations", "id"],
];

async function columnsOf(tx: Queryable, table: string): Promise<string[]> {
  const rows = await tx.rows<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((r) => r.column_name).filter((c) => !(ADAPTER_ONLY_COLUMNS[table] ?? []).includes(c));
}

/**
 * Every backed-up table in one REPEATABLE READ, read-only transaction: one snapshot of the whole
 * database while the servers keep writing; needs no pg_dump.
 */
export function snapshotPostgres(db: PostgresDatabase): Promise<BackupTable[]> {
  return db.transaction(
    async (tx) => {
      const tables: BackupTable[] = [];
      for (const { name, orderBy } of BACKUP_TABLES) {
        const columns = await columnsOf(tx, name);
        const rows = await tx.rows<Record<string, unknown>>(
          `SELECT ${columns.join(", ")} FROM ${name} ORDER BY ${orderBy}`,
        );
        tables.push({ table: name, columns, rows: rows.map((row) => columns.map((c) => row[c])) });
      }
      return tables;
    },
    "REPEATABLE READ",
    true,
  );
}

/** Rows per INSERT: PostgreSQL binds at most 65,535 parameters per statement. */
const BATCH = 500;

/** Loads a backup into this empty database in one transaction; refuses a non-empty one. */
export function loadPostgres(db: PostgresDatabase, tables: readonly BackupTable[]): Promise<void> {
  return db.transaction(async (tx) => {
    // Nobody else may write while the emptiness check and the load run.
    await tx.run(`LOCK TABLE ${BACKUP_TABLES.map((t) => t.name).join(", ")} IN EXCLUSIVE MODE`);
    for (const { name } of BACKUP_TABLES) {
      const [{ n }] = (await tx.rows<{ n: number }>(`SELECT COUNT(*) AS n FROM ${name}`)) as [{ n: number }];
      if (n > 0) throw notEmpty(db.location, name, n);
    }
    for (const t of tables) {
      const target = new Set(await columnsOf(tx, t.table));
      const keep = t.columns.map((c, i) => [c, i] as const).filter(([c]) => target.has(c));
      for (let start = 0; start < t.rows.length; start += BATCH) {
        const batch = t.rows.slice(start, start + BATCH);
        const values = batch.map(
          (_, r) => `(${keep.map((_c, k) => `$${r * keep.length + k + 1}`).join(", ")})`,
        );
        await tx.run(
          `INSERT INTO ${t.table} (${keep.map(([c]) => c).join(", ")}) VALUES ${values.join(", ")}`,
          batch.flatMap((row) => keep.map(([, i]) => row[i])),
        );
      }
    }
    for (const [table, column] of IDENTITIES) {
      await tx.rows(
        `SELECT setval(pg_get_serial_sequence('${table}', '${column}'), COALESCE(MAX(${column}), 0) + 1, false) FROM ${table}`,
      );
    }
  });
}
