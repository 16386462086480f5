import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { openSqliteStore, type SqliteStore } from "./store.js";

/**
 * Fresh SQLite stores on files (WAL, as in production) in one temporary directory, closed and
 * removed after the test file. `fresh(name)` reopens the same file (a restart).
 */
export function sqliteStores(prefix: string): { fresh: (name?: string) => SqliteStore; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), `slipway-${prefix}-`));
  const open: SqliteStore[] = [];
  afterAll(async () => {
    for (const store of open.splice(0)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  let n = 0;
  return {
    dir,
    fresh: (name = `db-${n++}.sqlite`) => {
      const store = openSqliteStore(join(dir, name));
      open.push(store);
      return store;
    },
  };
}
