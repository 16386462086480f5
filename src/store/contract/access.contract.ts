import { describe, expect, it } from "vitest";
import type { AccessStore, StoredSession, StoredToken, StoredUser } from "../ports/access-store.js";

/** One behaviour for every AccessStore adapter (memory, SQLite; PostgreSQL later). */
export function accessStoreContract(
  adapter: string,
  makeStore: () => AccessStore | Promise<AccessStore>,
): void {
  const token = (id: string, createdAt = 1): StoredToken => ({
    id,
    name: `token ${id}`,
    hash: "ab".repeat(32),
    role: "viewer",
    environmentRoles: { staging: "deployer" },
    createdBy: "admin-id",
    createdAt,
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
  });
  const user = (id: string, name: string, createdAt = 1): StoredUser => ({
    id,
    name,
    passwordHash: "scrypt$N=1024,r=8,p=1$c2FsdA==$a2V5",
    role: "deployer",
    environmentRoles: { production: "viewer" },
    createdAt,
  });
  const session = (idHash: string, userId: string, expiresAt: number): StoredSession => ({
    idHash,
    userId,
    csrfToken: `csrf-${idHash}`,
    createdAt: 0,
    expiresAt,
  });

  describe(`AccessStore contract: ${adapter}`, () => {
    it("stores tokens, lists them oldest first, touches and revokes them once", async () => {
      const store = await makeStore();
      await store.insertToken(token("bbbbbbbbbbbb", 2));
      await store.insertToken(token("aaaaaaaaaaaa", 1));
      expect(await store.findToken("aaaaaaaaaaaa")).toEqual(token("aaaaaaaaaaaa", 1));
      expect(await store.findToken("cccccccccccc")).toBeUndefined();
      expect((await store.listTokens()).map((t) => t.id)).toEqual(["aaaaaaaaaaaa", "bbbbbbbbbbbb"]);
      await store.touchToken("aaaaaaaaaaaa", 50);
      expect(await store.revokeToken("aaaaaaaaaaaa", 60)).toBe(true);
      expect(await store.revokeToken("aaaaaaaaaaaa", 70)).toBe(false);
      expect(await store.revokeToken("cccccccccccc", 70)).toBe(false);
      expect(await store.findToken("aaaaaaaaaaaa")).toMatchObject({ lastUsedAt: 50, revokedAt: 60 });
      await expect(store.insertToken(token("bbbbbbbbbbbb"))).rejects.toMatchObject({
        code: "SLIPWAY_CONFLICT",
      });
    });

    it("stores users by unique name and deletes them with their sessions", async () => {
      const store = await makeStore();
      await store.insertUser(user("u1", "alice", 1));
      await store.insertUser(user("u2", "bob", 2));
      await expect(store.insertUser(user("u3", "alice"))).rejects.toMatchObject({ code: "SLIPWAY_CONFLICT" });
      expect(await store.findUserByName("alice")).toEqual(user("u1", "alice", 1));
      expect(await store.findUserById("u2")).toMatchObject({ name: "bob" });
      expect(await store.findUserByName("carol")).toBeUndefined();
      expect((await store.listUsers()).map((u) => u.name)).toEqual(["alice", "bob"]);
      await store.updateUserPassword("u1", "scrypt$new");
      expect(await store.findUserById("u1")).toMatchObject({ passwordHash: "scrypt$new" });

      await store.insertSession(session("s1", "u1", 100));
      expect(await store.deleteUser("u1")).toBe(true);
      expect(await store.deleteUser("u1")).toBe(false);
      expect(await store.findSession("s1")).toBeUndefined();
    });

    it("finds, deletes and expires sessions", async () => {
      const store = await makeStore();
      await store.insertUser(user("u1", "alice"));
      await store.insertSession(session("s1", "u1", 100));
      await store.insertSession(session("s2", "u1", 200));
      expect(await store.findSession("s1")).toEqual(session("s1", "u1", 100));
      expect(await store.deleteExpiredSessions(100)).toBe(1);
      expect(await store.findSession("s1")).toBeUndefined();
      await store.deleteSession("s2");
      expect(await store.findSession("s2")).toBeUndefined();
    });
  });
}
