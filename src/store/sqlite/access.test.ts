import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { accessStoreContract } from "../contract/access.contract.js";
import { authenticate, createUser, issueApiToken, signIn } from "../../auth/accounts.js";
import { SqliteAccessStore } from "./access.js";
import { openSqlite, type SqliteDatabase } from "./database.js";

const dir = mkdtempSync(join(tmpdir(), "slipway-access-"));
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

accessStoreContract("sqlite", () => new SqliteAccessStore(fresh()));

describe("SqliteAccessStore", () => {
  it("stores no secret: only hashes of tokens and session ids, scrypt for passwords", async () => {
    const db = fresh();
    const store = new SqliteAccessStore(db);
    const now = Date.now();
    const { token } = await issueApiToken(store, { name: "ci", role: "deployer", createdBy: "admin", now });
    await createUser(store, {
      name: "alice",
      password: "a long passphrase",
      role: "admin",
      now,
      scrypt: { N: 1024, r: 8, p: 1 },
    });
    const session = await signIn(store, {
      name: "alice",
      password: "a long passphrase",
      now,
      ttlMs: 60_000,
      scrypt: { N: 1024, r: 8, p: 1 },
    });
    if (!session.ok) throw new Error("sign-in failed");
    const dump = JSON.stringify([
      db.prepare("SELECT * FROM api_tokens").all(),
      db.prepare("SELECT * FROM users").all(),
      db.prepare("SELECT * FROM sessions").all(),
    ]);
    expect(dump).not.toContain(token.slice(17));
    expect(dump).not.toContain("a long passphrase");
    expect(dump).not.toContain(session.sessionId);
    expect(await authenticate(store, { authorization: `Bearer ${token}` }, now)).toMatchObject({
      via: "token",
    });
  });
});
