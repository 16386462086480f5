import { describe, expect, it } from "vitest";
import { authenticate, createUser, issueApiToken, signIn, signOut } from "./accounts.js";
import { MemoryAccessStore } from "./memory-store.js";
import { sessionCookie } from "./sessions.js";

const FAST = { N: 1024, r: 8, p: 1 };
const now = Date.parse("2026-11-25T12:00:00Z");

describe("API token authentication", () => {
  it("turns a valid bearer token into a token principal and records its use", async () => {
    const store = new MemoryAccessStore();
    const { token, record } = await issueApiToken(store, {
      name: "ci",
      role: "viewer",
      environmentRoles: { staging: "deployer" },
      createdBy: "admin",
      now,
    });
    const auth = await authenticate(store, { authorization: `Bearer ${token}` }, now + 5);
    expect(auth).toMatchObject({
      via: "token",
      principal: {
        kind: "token",
        id: record.id,
        name: "ci",
        role: "viewer",
        environmentRoles: { staging: "deployer" },
      },
    });
    expect(await store.findToken(record.id)).toMatchObject({ lastUsedAt: now + 5 });
  });

  it("answers 401 for malformed, unknown, tampered, revoked and expired tokens without echoing them", async () => {
    const store = new MemoryAccessStore();
    const { token, record } = await issueApiToken(store, {
      name: "t",
      role: "admin",
      createdBy: "a",
      now,
      ttlMs: 1000,
    });
    const other = await issueApiToken(store, { name: "u", role: "admin", createdBy: "a", now });
    const tampered = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    const cases: [string, RegExp][] = [
      ["Basic abc", /not 'Bearer slp_…'/],
      ["Bearer slp_nope", /not 'Bearer slp_…'/],
      [`Bearer ${tampered}`, /not valid/],
      [`Bearer slp_000000000000_${token.slice(-43)}`, /not valid/],
    ];
    for (const [authorization, message] of cases) {
      const auth = await authenticate(store, { authorization }, now);
      expect(auth).toMatchObject({ via: "invalid", status: 401 });
      if (auth.via === "invalid") {
        expect(auth.message).toMatch(message);
        expect(auth.message).not.toContain(token.slice(17));
      }
    }
    expect(await authenticate(store, { authorization: `Bearer ${token}` }, now + 1000)).toMatchObject({
      via: "invalid",
      message: `token slp_${record.id}… has expired`,
    });
    await store.revokeToken(other.record.id, now);
    expect(await authenticate(store, { authorization: `Bearer ${other.token}` }, now)).toMatchObject({
      via: "invalid",
      message: `token slp_${other.record.id}… was revoked`,
    });
  });

  it("is anonymous without credentials and refuses a nameless token", async () => {
    const store = new MemoryAccessStore();
    expect(await authenticate(store, {}, now)).toEqual({
      via: "anonymous",
      principal: { kind: "anonymous" },
    });
    await expect(
      issueApiToken(store, { name: " ", role: "viewer", createdBy: "a", now }),
    ).rejects.toMatchObject({
      code: "SLIPWAY_INVALID_ARGUMENT",
    });
  });
});

describe("password sign-in and sessions", () => {
  it("opens a session whose cookie authenticates the user, until it expires or they sign out", async () => {
    const store = new MemoryAccessStore();
    const user = await createUser(store, {
      name: "alice",
      password: "a long passphrase",
      role: "deployer",
      now,
      scrypt: FAST,
    });
    const result = await signIn(store, {
      name: "alice",
      password: "a long passphrase",
      now,
      ttlMs: 60_000,
      scrypt: FAST,
    });
    expect(result).toMatchObject({ ok: true, expiresAt: now + 60_000 });
    if (!result.ok) return;
    const cookie = sessionCookie(result.sessionId, { secure: false, maxAgeSeconds: 60 }).split(";")[0];
    const auth = await authenticate(store, { cookie }, now + 1);
    expect(auth).toMatchObject({
      via: "session",
      principal: { kind: "user", id: user.id, name: "alice", role: "deployer" },
    });
    if (auth.via === "session") expect(auth.session.csrfToken).toBe(result.csrfToken);
    expect(await authenticate(store, { cookie }, now + 60_000)).toMatchObject({
      via: "invalid",
      status: 401,
    });
    await signOut(store, cookie);
    expect(await authenticate(store, { cookie }, now + 1)).toMatchObject({ via: "invalid" });
  });

  it("gives the same answer for a wrong name and a wrong password", async () => {
    const store = new MemoryAccessStore();
    await createUser(store, {
      name: "alice",
      password: "a long passphrase",
      role: "viewer",
      now,
      scrypt: FAST,
    });
    const wrongPassword = await signIn(store, {
      name: "alice",
      password: "a wrong passphrase",
      now,
      ttlMs: 1,
      scrypt: FAST,
    });
    const wrongName = await signIn(store, {
      name: "mallory",
      password: "a long passphrase",
      now,
      ttlMs: 1,
      scrypt: FAST,
    });
    expect(wrongPassword).toEqual({ ok: false, message: "the name or password is wrong" });
    expect(wrongName).toEqual(wrongPassword);
  });

  it("re-hashes a password made with weaker parameters at sign-in", async () => {
    const store = new MemoryAccessStore();
    const user = await createUser(store, {
      name: "bob",
      password: "a long passphrase",
      role: "viewer",
      now,
      scrypt: FAST,
    });
    const stronger = { N: 2048, r: 8, p: 1 };
    await signIn(store, { name: "bob", password: "a long passphrase", now, ttlMs: 1, scrypt: stronger });
    expect((await store.findUserById(user.id))?.passwordHash).toMatch(/^scrypt\$N=2048,/);
  });

  it("refuses weak passwords, bad names and taken names", async () => {
    const store = new MemoryAccessStore();
    await expect(createUser(store, { name: "a", password: "short", role: "viewer", now })).rejects.toThrow(
      /12 characters/,
    );
    await expect(
      createUser(store, { name: "a b", password: "a long passphrase", role: "viewer", now }),
    ).rejects.toThrow(/user name/);
    await createUser(store, {
      name: "carol",
      password: "a long passphrase",
      role: "viewer",
      now,
      scrypt: FAST,
    });
    await expect(
      createUser(store, { name: "carol", password: "a long passphrase", role: "viewer", now, scrypt: FAST }),
    ).rejects.toMatchObject({ code: "SLIPWAY_CONFLICT" });
  });
});
