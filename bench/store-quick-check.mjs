// How long the start-up integrity check (PRAGMA quick_check, src/store/sqlite/integrity.ts) takes
// per MB of database, to choose DEFAULTS.integrityCheckMaxBytes. Usage: node bench/store-quick-check.mjs [rows]
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";

const rows = Number(process.argv[2] ?? 400_000);
const dir = mkdtempSync(join(tmpdir(), "slipway-quick-check-"));
const file = join(dir, "slipway.db");
try {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.exec(
    "CREATE TABLE events (id INTEGER PRIMARY KEY, rollout TEXT, at INTEGER, body TEXT); CREATE INDEX events_rollout ON events (rollout, at)",
  );
  const insert = db.prepare("INSERT INTO events (rollout, at, body) VALUES (?, ?, ?)");
  const body = "x".repeat(400);
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`r${i % 997}`, i, body + i);
  })();
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  const mb = statSync(file).size / 1024 ** 2;
  const check = new Database(file);
  const start = process.hrtime.bigint();
  const result = check.pragma("quick_check(3)");
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  check.close();
  console.log(
    JSON.stringify({
      sizeMB: +mb.toFixed(1),
      quickCheckMs: Math.round(ms),
      msPerMB: +(ms / mb).toFixed(1),
      result,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
