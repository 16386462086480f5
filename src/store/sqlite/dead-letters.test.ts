import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deadLetterStoreContract } from "../contract/dead-letter.contract.js";
import { openSqlite, type SqliteDatabase } from "./database.js";
import { SqliteDeadLetterStore } from "./dead-letters.js";

const dir = mkdtempSync(join(tmpdir(), "slipway-dead-letters-"));
const open: SqliteDatabase[] = [];
afterAll(() => {
  open.splice(0).forEach((db) => db.close());
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;
const fresh = () => {
  const db = openSqlite(join(dir, `db-${n++}.sqlite`));
  open.push(db);
  return db;
};

deadLetterStoreContract("sqlite", () => new SqliteDeadLetterStore(fresh()));

describe("SqliteDeadLetterStore", () => {
  it("keeps letters across a reopen of the database file", async () => {
    const path = join(dir, "reopen.sqlite");
    const first = openSqlite(path);
    await new SqliteDeadLetterStore(first).add({
      id: "x",
      channel: "ops",
      notification: {
        id: "n",
        event: {
          type: "run.failed",
          runId: "1",
          workflow: "CI",
          ref: "refs/heads/main",
          failedJobs: ["test"],
          at: "t",
        },
      },
      attempts: 5,
      lastError: "HTTP 500",
      createdAt: 1_764_072_000_000,
      lastAttemptAt: 1_764_072_000_500,
    });
    first.close();
    const again = openSqlite(path);
    open.push(again);
    expect(await new SqliteDeadLetterStore(again).get("x")).toMatchObject({
      channel: "ops",
      notification: { event: { failedJobs: ["test"] } },
      createdAt: 1_764_072_000_000,
    });
  });
});
