import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SlipwayError } from "../../core/errors.js";
import { openSqlite } from "./database.js";
import { checkIntegrity } from "./integrity.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A database of ~100 pages whose middle pages are overwritten with a pattern no page has. */
function damagedDatabase(): string {
  const dir = mkdtempSync(join(tmpdir(), "slipway-integrity-"));
  dirs.push(dir);
  const file = join(dir, "slipway.db");
  const db = openSqlite(file);
  db.exec("CREATE TABLE padding (body BLOB)");
  const insert = db.prepare("INSERT INTO padding (body) VALUES (randomblob(1000))");
  for (let i = 0; i < 400; i++) insert.run();
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  const pages = statSync(file).size / 4096;
  const fd = openSync(file, "r+");
  writeSync(fd, Buffer.alloc(3 * 4096, 0xa5), 0, 3 * 4096, Math.floor(pages / 2) * 4096);
  closeSync(fd);
  return file;
}

describe("checkIntegrity", () => {
  it("refuses damaged middle pages with SLIPWAY_STORE_CORRUPT naming the file and the way back", () => {
    const file = damagedDatabase();
    const db = new Database(file);
    try {
      checkIntegrity(db, file);
      expect.unreachable("a damaged database passed");
    } catch (error) {
      expect(error).toBeInstanceOf(SlipwayError);
      expect((error as SlipwayError).code).toBe("SLIPWAY_STORE_CORRUPT");
      expect((error as SlipwayError).message).toContain(`mv ${file} ${file}.damaged`);
    } finally {
      db.close();
    }
  });

  it("reads only the schema of a file over the size bound, so a large start stays quick", () => {
    const file = damagedDatabase();
    const db = new Database(file);
    expect(() => checkIntegrity(db, file, 1024)).not.toThrow();
    db.close();
  });

  it("openSqlite refuses the damaged file and creates a new one 0600", () => {
    expect(() => openSqlite(damagedDatabase())).toThrow(/SLIPWAY_STORE_CORRUPT|is damaged/);
    const dir = mkdtempSync(join(tmpdir(), "slipway-integrity-"));
    dirs.push(dir);
    openSqlite(join(dir, "new", "slipway.db")).close();
    expect(statSync(join(dir, "new")).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "new", "slipway.db")).mode & 0o777).toBe(0o600);
  });
});
