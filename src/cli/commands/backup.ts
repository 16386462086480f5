import { resolve } from "node:path";
import type { Command } from "commander";
import { newerBackup, readBackup, writeBackup } from "../../store/backup.js";
import { DATABASE_HELP, projectDatabase, stateUrl, withStore } from "../state.js";

const stamp = (date: Date) => date.toISOString().replace(/[:.]/g, "-");

/**
 * `slipway backup` and `slipway restore`: a consistent snapshot of the state database (SQLite or
 * PostgreSQL) in Slipway's own portable format (src/store/backup.ts), taken while servers run;
 * restored into an empty database of either kind.
 */
export function registerBackup(program: Command): void {
  program
    .command("backup")
    .description("Write a consistent snapshot of the state database to a file, while servers keep running")
    .option("--out <file>", "backup file (default: slipway-backup-<time>.jsonl in the current directory)")
    .option("--dir <dir>", "project directory (its .slipway/slipway.db is the default database)", ".")
    .option("--database <url>", DATABASE_HELP)
    .action(async (options: { out?: string; dir: string; database?: string }) => {
      const takenAt = new Date();
      const file = resolve(options.out ?? `slipway-backup-${stamp(takenAt)}.jsonl`);
      const summary = await withStore(
        stateUrl(options.database, projectDatabase(options.dir)),
        async (store) => {
          const tables = await store.snapshot();
          writeBackup(
            file,
            {
              format: "slipway-backup",
              formatVersion: 1,
              schemaVersion: store.migration.version,
              source: store.location,
              takenAt: takenAt.toISOString(),
            },
            tables,
          );
          return { location: store.location, rows: tables.reduce((n, t) => n + t.rows.length, 0) };
        },
      );
      process.stdout.write(`backed up ${summary.location} (${summary.rows} rows) to ${file}\n`);
    });

  program
    .command("restore")
    .argument("<file>", "a file written by slipway backup")
    .description("Restore a backup into an empty state database (SQLite or PostgreSQL, either way)")
    .option("--dir <dir>", "project directory (its .slipway/slipway.db is the default database)", ".")
    .option("--database <url>", DATABASE_HELP)
    .action(async (file: string, options: { dir: string; database?: string }) => {
      const backup = readBackup(resolve(file));
      const location = await withStore(
        stateUrl(options.database, projectDatabase(options.dir)),
        async (store) => {
          if (backup.header.schemaVersion > store.migration.version)
            throw newerBackup(file, backup.header.schemaVersion, store.migration.version);
          await store.load(backup.tables);
          return store.location;
        },
      );
      const rows = backup.tables.reduce((n, t) => n + t.rows.length, 0);
      process.stdout.write(
        `restored ${rows} rows from ${file} (taken ${backup.header.takenAt} from ${backup.header.source}) into ${location}\n`,
      );
    });
}
