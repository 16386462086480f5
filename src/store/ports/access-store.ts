import type { Role, TokenScope } from "../../core/access/roles.js";

/**
 * The part of the Store that access control needs. Times are epoch milliseconds. Secrets are never
 * stored: tokens and session ids as SHA-256, passwords as scrypt hashes.
 */
export interface StoredToken {
  /** Public id (the `slp_<id>_` part). */
  id: string;
  /** What it is for, e.g. "github-actions staging deploys". */
  name: string;
  hash: string;
  role: Role;
  environmentRoles: Record<string, Role>;
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
  /** A client key's scope (flags:evaluate); absent for an ordinary API token. */
  scope?: TokenScope;
}

export interface StoredUser {
  id: string;
  name: string;
  passwordHash: string;
  role: Role;
  environmentRoles: Record<string, Role>;
  createdAt: number;
}

export interface StoredSession {
  idHash: string;
  userId: string;
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
}

export interface AccessStore {
  insertToken(token: StoredToken): Promise<void>;
  findToken(id: string): Promise<StoredToken | undefined>;
  listTokens(): Promise<StoredToken[]>;
  /** Marks the token revoked; false when there is no such (unrevoked) token. */
  revokeToken(id: string, at: number): Promise<boolean>;
  touchToken(id: string, at: number): Promise<void>;

  /** Throws SlipwayError SLIPWAY_CONFLICT when the name is taken. */
  insertUser(user: StoredUser): Promise<void>;
  findUserById(id: string): Promise<StoredUser | undefined>;
  findUserByName(name: string): Promise<StoredUser | undefined>;
  listUsers(): Promise<StoredUser[]>;
  updateUserPassword(id: string, passwordHash: string): Promise<void>;
  /** Deletes the user and their sessions; false when there was none. */
  deleteUser(id: string): Promise<boolean>;

  insertSession(session: StoredSession): Promise<void>;
  findSession(idHash: string): Promise<StoredSession | undefined>;
  deleteSession(idHash: string): Promise<void>;
  /** Removes sessions expired at `now`; returns how many. */
  deleteExpiredSessions(now: number): Promise<number>;
}
