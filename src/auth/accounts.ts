import { randomUUID } from "node:crypto";
import { ANONYMOUS, type Principal, type Role, type TokenScope } from "../core/access/roles.js";
import { SlipwayError } from "../core/errors.js";
import {
  DEFAULT_SCRYPT,
  hashPassword,
  needsRehash,
  passwordProblem,
  verifyPassword,
  type ScryptParams,
} from "./passwords.js";
import { hashSessionId, newSession, readSessionCookie } from "./sessions.js";
import type { AccessStore, StoredSession, StoredToken, StoredUser } from "../store/ports/access-store.js";
import { bearerToken, generateApiToken, parseApiToken, verifyApiToken } from "./tokens.js";

/** Writing last-used on every request would turn reads into writes; once a minute is enough to show. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Creates an API token. The returned `token` is the only copy of the secret: show it once.
 *
 * @example
 * const { token } = await issueApiToken(store, { name: "ci", role: "viewer",
 *   environmentRoles: { staging: "deployer" }, createdBy: admin.id, now: Date.now() });
 */
export async function issueApiToken(
  store: AccessStore,
  args: {
    name: string;
    role: Role;
    environmentRoles?: Record<string, Role>;
    createdBy: string;
    now: number;
    ttlMs?: number;
    /** A client key's scope; its role is then viewer whatever was asked. */
    scope?: TokenScope;
  },
): Promise<{ token: string; record: StoredToken }> {
  const name = args.name.trim();
  if (name === "")
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", "a token needs a name saying what it is for");
  const generated = generateApiToken();
  const record: StoredToken = {
    id: generated.id,
    name,
    hash: generated.hash,
    // A client key's scope is what limits it; viewer keeps the role from granting more anyway.
    role: args.scope ? "viewer" : args.role,
    environmentRoles: args.scope ? {} : { ...args.environmentRoles },
    createdBy: args.createdBy,
    createdAt: args.now,
    expiresAt: args.ttlMs === undefined ? null : args.now + args.ttlMs,
    lastUsedAt: null,
    revokedAt: null,
    ...(args.scope && { scope: args.scope }),
  };
  await store.insertToken(record);
  return { token: generated.token, record };
}

/** Creates a dashboard user; refuses short passwords and taken names. */
export async function createUser(
  store: AccessStore,
  args: {
    name: string;
    password: string;
    role: Role;
    environmentRoles?: Record<string, Role>;
    now: number;
    scrypt?: ScryptParams;
  },
): Promise<StoredUser> {
  const name = args.name.trim();
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      "a user name is 1-64 letters, digits, '.', '_', '@' or '-'",
    );
  }
  const problem = passwordProblem(args.password);
  if (problem) throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", problem);
  const user: StoredUser = {
    id: randomUUID(),
    name,
    passwordHash: await hashPassword(args.password, args.scrypt),
    role: args.role,
    environmentRoles: { ...args.environmentRoles },
    createdAt: args.now,
  };
  await store.insertUser(user);
  return user;
}

export type SignInResult =
  | { ok: true; user: StoredUser; sessionId: string; csrfToken: string; expiresAt: number }
  | { ok: false; message: string };

let dummyHash: Promise<string> | undefined;

/**
 * Checks a name and password and opens a session. A wrong name and a wrong password take the same
 * time and get the same answer, so the sign-in form does not reveal which names exist.
 */
export async function signIn(
  store: AccessStore,
  args: { name: string; password: string; now: number; ttlMs: number; scrypt?: ScryptParams },
): Promise<SignInResult> {
  const params = args.scrypt ?? DEFAULT_SCRYPT;
  const user = await store.findUserByName(args.name.trim());
  dummyHash ??= hashPassword("not a real password, only spends the same time", DEFAULT_SCRYPT);
  const encoded = user?.passwordHash ?? (await dummyHash);
  const matches = await verifyPassword(args.password, encoded);
  if (!user || !matches) return { ok: false, message: "the name or password is wrong" };
  if (needsRehash(user.passwordHash, params)) {
    await store.updateUserPassword(user.id, await hashPassword(args.password, params));
  }
  const session = newSession();
  const record: StoredSession = {
    idHash: session.idHash,
    userId: user.id,
    csrfToken: session.csrfToken,
    createdAt: args.now,
    expiresAt: args.now + args.ttlMs,
  };
  await store.insertSession(record);
  return {
    ok: true,
    user,
    sessionId: session.sessionId,
    csrfToken: session.csrfToken,
    expiresAt: record.expiresAt,
  };
}

/** Ends the session named by a Cookie header, if any. */
export async function signOut(store: AccessStore, cookieHeader: string | undefined): Promise<void> {
  const sessionId = readSessionCookie(cookieHeader);
  if (sessionId) await store.deleteSession(hashSessionId(sessionId));
}

export type Authentication =
  | { via: "anonymous"; principal: Principal }
  | { via: "token"; principal: Principal & { kind: "token" }; token: StoredToken }
  | { via: "session"; principal: Principal & { kind: "user" }; session: StoredSession }
  | { via: "invalid"; status: 401; message: string };

/**
 * Who sent a request: a bearer token wins over a session cookie; neither means anonymous. A
 * credential that is present but wrong, expired or revoked is `invalid` (401), never anonymous, so
 * a typo in SLIPWAY_TOKEN is reported instead of silently showing less. Messages name the token by
 * its public id at most, never its secret.
 */
export async function authenticate(
  store: AccessStore,
  request: { authorization?: string | undefined; cookie?: string | undefined },
  now: number,
): Promise<Authentication> {
  if (request.authorization !== undefined) {
    const presented = bearerToken(request.authorization);
    const parsed = presented === undefined ? undefined : parseApiToken(presented);
    if (!presented || !parsed) {
      return { via: "invalid", status: 401, message: "the Authorization header is not 'Bearer slp_…'" };
    }
    const token = await store.findToken(parsed.id);
    if (!token || !verifyApiToken(presented, token.hash)) {
      return { via: "invalid", status: 401, message: "the API token is not valid" };
    }
    if (token.revokedAt !== null)
      return { via: "invalid", status: 401, message: `token slp_${token.id}… was revoked` };
    if (token.expiresAt !== null && now >= token.expiresAt) {
      return { via: "invalid", status: 401, message: `token slp_${token.id}… has expired` };
    }
    if (token.lastUsedAt === null || now - token.lastUsedAt >= TOUCH_INTERVAL_MS)
      await store.touchToken(token.id, now);
    return {
      via: "token",
      token,
      principal: {
        kind: "token",
        id: token.id,
        name: token.name,
        role: token.role,
        environmentRoles: token.environmentRoles,
        ...(token.scope && { scope: token.scope }),
      },
    };
  }
  const sessionId = readSessionCookie(request.cookie);
  if (sessionId === undefined) return { via: "anonymous", principal: ANONYMOUS };
  const session = await store.findSession(hashSessionId(sessionId));
  if (!session || now >= session.expiresAt) {
    return { via: "invalid", status: 401, message: "the session has ended; sign in again" };
  }
  const user = await store.findUserById(session.userId);
  if (!user) return { via: "invalid", status: 401, message: "the session has ended; sign in again" };
  return {
    via: "session",
    session,
    principal: {
      kind: "user",
      id: user.id,
      name: user.name,
      role: user.role,
      environmentRoles: user.environmentRoles,
    },
  };
}
