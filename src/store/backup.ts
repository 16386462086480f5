import { readFileSync, writeFileSync } from "node:fs";
import { SlipwayError } from "../core/errors.js";

/**
 * Slipway's backup format: one JSON document per line, portable between adapters (a SQLite
 * backup restores into PostgreSQL and back). Line 1 is the header; then, per table, a line
 * `{"table": name, "columns": [...]}` followed by one JSON array per row. Tables come in an
 * order that satisfies their foreign keys.
 */
export interface BackupHeader {
  format: "slipway-backup";
  formatVersion: 1;
  /** The schema version of the database it was taken from. */
  schemaVersion: number;
  /** The source's location, without credentials. */
  source: string;
  takenAt: string;
}

export interface BackupTable {
  table: string;
  columns: string[];
  rows: unknown[][];
}

/** Every table a backup holds, parents before children, with the order rows are read in. */
export const BACKUP_TABLES: ReadonlyArray<{ name: string; orderBy: string; sqliteOrderBy?: string }> = [
  { name: "workflow_runs", orderBy: "id" },
  { name: "workflow_run_logs", orderBy: "run_id, seq" },
  { name: "rollouts", orderBy: "seq" },
  { name: "revisions", orderBy: "created_at, id" },
  { name: "environment_traffic", orderBy: "service, environment" },
  { name: "audit_events", orderBy: "seq" },
  { name: "rollout_locks", orderBy: "scope" },
  { name: "control_counters", orderBy: "name" },
  // SQLite orders releases and delivery ids by rowid; PostgreSQL keeps that order in `seq`.
  { name: "releases", orderBy: "seq", sqliteOrderBy: "rowid" },
  { name: "notification_dead_letters", orderBy: "created_at, id" },
  { name: "api_tokens", orderBy: "created_at, id" },
  { name: "users", orderBy: "created_at, id" },
  { name: "sessions", orderBy: "id_hash" },
  { name: "webhook_deliveries", orderBy: "seq", sqliteOrderBy: "rowid" },
  { name: "flags", orderBy: "key" },
  { name: "flag_changes", orderBy: "id" },
  { name: "asset_versions", orderBy: "name, version" },
  { name: "asset_aliases", orderBy: "name, alias" },
  { name: "asset_alias_moves", orderBy: "id" },
  { name: "channel_moves", orderBy: "id" },
  { name: "experiments", orderBy: "key" },
  { name: "experiment_exposures", orderBy: "experiment, user_key" },
  { name: "experiment_values", orderBy: "experiment, event, user_key" },
  { name: "release_attestations", orderBy: "id" },
  { name: "rollout_series", orderBy: "rollout_id, at" },
];

/** Columns only one adapter has (kept in order by the other's rowid): left out of backups. */
export const ADAPTER_ONLY_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  releases: ["seq"],
  webhook_deliveries: ["seq"],
};

/** Writes a backup file (mode 0600: it holds token and password hashes). */
export function writeBackup(file: string, header: BackupHeader, tables: readonly BackupTable[]): void {
  const lines = [JSON.stringify(header)];
  for (const t of tables) {
    lines.push(JSON.stringify({ table: t.table, columns: t.columns }));
    for (const row of t.rows) lines.push(JSON.stringify(row));
  }
  writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o600 });
}

/** Reads a backup file; a malformed one is refused naming the file and line. */
export function readBackup(file: string): { header: BackupHeader; tables: BackupTable[] } {
  const lines = readFileSync(file, "utf8").split("\n");
  const bad = (line: number, why: string) =>
    new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `${file}:${line}:1: not a Slipway backup: ${why}`);
  const parse = (i: number): unknown => {
    try {
      return JSON.parse(lines[i] as string);
    } catch {
      throw bad(i + 1, "expected one JSON document on this line");
    }
  };
  const header = parse(0) as Partial<BackupHeader>;
  if (header.format !== "slipway-backup") throw bad(1, 'expected a header with "format": "slipway-backup"');
  if (header.formatVersion !== 1)
    throw bad(1, `format version ${String(header.formatVersion)} is not one this slipway reads (1)`);
  const tables: BackupTable[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === "") continue;
    const value = parse(i);
    if (Array.isArray(value)) {
      const current = tables.at(-1);
      if (!current) throw bad(i + 1, "a row before any table line");
      if (value.length !== current.columns.length)
        throw bad(i + 1, `expected ${current.columns.length} values (${current.table}), got ${value.length}`);
      current.rows.push(value);
    } else {
      const t = value as Partial<BackupTable>;
      if (typeof t.table !== "string" || !Array.isArray(t.columns))
        throw bad(i + 1, 'expected {"table": …, "columns": […]} or a row array');
      tables.push({ table: t.table, columns: t.columns, rows: [] });
    }
  }
  return { header: header as BackupHeader, tables };
}

/** The refusal to restore into a database that already holds state. */
export function notEmpty(location: string, table: string, rows: number): SlipwayError {
  return new SlipwayError(
    "SLIPWAY_CONFLICT",
    `cannot restore into ${location}: it is not empty (${table} has ${rows} rows); restore into a new, empty database`,
  );
}

/** The refusal of a backup taken from a newer schema than the target's. */
export function newerBackup(file: string, schemaVersion: number, known: number): SlipwayError {
  return new SlipwayError(
    "SLIPWAY_STORE",
    `${file} was taken from schema version ${schemaVersion}, newer than this slipway knows (${known}); restore it with that release`,
  );
}
