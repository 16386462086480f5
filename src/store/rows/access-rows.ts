import type { StoredSession, StoredToken, StoredUser } from "../ports/access-store.js";
import type { Role, TokenScope } from "../../core/access/roles.js";

// Rows of the access tables (migration 005) as both adapters read them, and the values they write.

export interface TokenRow {
  id: string;
  name: string;
  token_hash: string;
  role: Role;
  environment_roles: string;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
  scope: TokenScope | null;
}

export interface UserRow {
  id: string;
  name: string;
  password_hash: string;
  role: Role;
  environment_roles: string;
  created_at: number;
}

export interface SessionRow {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

const roles = (json: string) => JSON.parse(json) as Record<string, Role>;

export const tokenFromRow = (row: TokenRow): StoredToken => ({
  id: row.id,
  name: row.name,
  hash: row.token_hash,
  role: row.role,
  environmentRoles: roles(row.environment_roles),
  createdBy: row.created_by,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
  ...(row.scope !== null && { scope: row.scope }),
});

export const userFromRow = (row: UserRow): StoredUser => ({
  id: row.id,
  name: row.name,
  passwordHash: row.password_hash,
  role: row.role,
  environmentRoles: roles(row.environment_roles),
  createdAt: row.created_at,
});

export const sessionFromRow = (row: SessionRow): StoredSession => ({
  idHash: row.id_hash,
  userId: row.user_id,
  csrfToken: row.csrf_token,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});

/** The values of an api_tokens insert, in the column order of TokenRow (id … scope). */

export const tokenParams = (token: StoredToken): unknown[] => [
  token.id,
  token.name,
  token.hash,
  token.role,
  JSON.stringify(token.environmentRoles),
  token.createdBy,
  token.createdAt,
  token.expiresAt,
  token.lastUsedAt,
  token.revokedAt,
  token.scope ?? null,
];

/** The values of a users insert, in the column order of UserRow (id … created_at). */

export const userParams = (user: StoredUser): unknown[] => [
  user.id,
  user.name,
  user.passwordHash,
  user.role,
  JSON.stringify(user.environmentRoles),
  user.createdAt,
];

/** The values of a sessions insert, in the column order of SessionRow (id_hash … expires_at). */

export const sessionParams = (session: StoredSession): unknown[] => [
  session.idHash,
  session.userId,
  session.csrfToken,
  session.createdAt,
  session.expiresAt,
];
