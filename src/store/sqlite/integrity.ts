import { statSync } from "node:fs";
import { DEFAULTS } from "../../core/defaults.js";
import { corruptDatabase } from "../storage-faults.js";
import type { SqliteDatabase } from "./database.js";

/**
 * Refuses a damaged database at start, rather than failing on some later read (damaged middle
 * pages otherwise pass `SELECT 1` and the health check). `PRAGMA quick_check` reads every page,
 * so it runs only while the file (with its WAL) is at most `maxBytes`; above that only the schema
 * is read, which keeps a start on a large history bounded in time.
 */
export function checkIntegrity(
  db: SqliteDatabase,
  file: string,
  maxBytes: number = DEFAULTS.integrityCheckMaxBytes,
): void {
  if (sizeWithWal(file) <= maxBytes) {
    const problems = (db.pragma("quick_check(3)") as { quick_check: string }[]).map((r) => r.quick_check);
    if (problems.length !== 1 || problems[0] !== "ok") {
      throw corruptDatabase(file, `quick_check: ${problems.join("; ")}`);
    }
  } else {
    db.prepare("SELECT count(*) FROM sqlite_master").get();
  }
}

function sizeWithWal(file: string): number {
  const size = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  return size(file) + size(`${file}-wal`);
}
