import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqlite, openSqliteReporting } from "./database.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("openSqlite", () => {
  const migrations = [
    { version: 2, name: "second", sql: "ALTER TABLE things ADD COLUMN colour TEXT" },
    { version: 1, name: "first", sql: "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT)" },
  ];

  it("creates the file in WAL mode and applies migrations in version order, once", () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-store-"));
    dirs.push(dir);
    const path = join(dir, "nested", "slipway.db");
    const db = openSqlite(path, migrations);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.prepare("INSERT INTO things (name, colour) VALUES ('a', 'red')").run();
    db.close();

    const again = openSqlite(path, migrations);
    const versions = again.prepare("SELECT version FROM schema_migrations ORDER BY version").all();
    expect(versions).toEqual([{ version: 1 }, { version: 2 }]);
    expect(again.prepare("SELECT name, colour FROM things").all()).toEqual([{ name: "a", colour: "red" }]);
    again.close();
  });

  it("reports a database it cannot open as a store error", () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-store-"));
    dirs.push(dir);
    const notADirectory = join(dir, "file");
    writeFileSync(notADirectory, "");
    expect(() => openSqlite(join(notADirectory, "slipway.db"), migrations)).toThrow(/cannot open database/);
  });
});

describe("migrate (SQLite)", () => {
  it("reports what it applied, and refuses a database a newer Slipway migrated", () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-store-"));
    dirs.push(dir);
    const path = join(dir, "slipway.db");
    const first = openSqliteReporting(path, [{ version: 1, name: "first", sql: "CREATE TABLE t (x TEXT)" }]);
    expect(first.migration).toEqual({ applied: [{ version: 1, name: "first" }], version: 1 });
    first.db.prepare("INSERT INTO schema_migrations VALUES (9, 'future', 'now')").run();
    first.db.close();
    expect(() => openSqlite(path, [{ version: 1, name: "first", sql: "" }])).toThrow(
      /schema version 9, newer than this slipway knows \(1\)/,
    );
  });
});
