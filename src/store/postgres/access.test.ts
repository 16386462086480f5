import { describe, expect, it } from "vitest";
import { accessStoreContract } from "../contract/access.contract.js";
import { authenticate, createUser, issueApiToken, signIn } from "../../auth/accounts.js";
import { postgresStores } from "./test-support.js";

const { fresh } = postgresStores("access");

accessStoreContract("postgres", async () => (await fresh()).access);

describe("PostgresAccessStore", () => {
  it("stores no secret: only hashes of tokens and session ids, scrypt for passwords", async () => {
    const { access: store, db } = await fresh();
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
      await db.rows("SELECT * FROM api_tokens"),
      await db.rows("SELECT * FROM users"),
      await db.rows("SELECT * FROM sessions"),
    ]);
    expect(dump).not.toContain(token.slice(17));
    expect(dump).not.toContain("a long passphrase");
    expect(dump).not.toContain(session.sessionId);
    expect(await authenticate(store, { authorization: `Bearer ${token}` }, now)).toMatchObject({
      via: "token",
    });
  });
});
