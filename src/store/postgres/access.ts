import type { AccessStore, StoredSession, StoredToken, StoredUser } from "../ports/access-store.js";
import type { Role, TokenScope } from "../../core/access/roles.js";
import { SlipwayError } from "../../core/errors.js";
import type { PostgresDatabase } from "./database.js";

interface TokenRow {
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

interface UserRow {
  id: string;
  name: string;
  password_hash: string;
  role: Role;
  environment_roles: string;
  created_at: number;
}

interface SessionRow {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

const roles = (json: string) => JSON.parse(json) as Record<string, Role>;

const tokenFromRow = (row: TokenRow): StoredToken => ({
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

const userFromRow = (row: UserRow): StoredUser => ({
  id: row.id,
  name: row.name,
  passwordHash: row.password_hash,
  role: row.role,
  environmentRoles: roles(row.environment_roles),
  createdAt: row.created_at,
});

const sessionFromRow = (row: SessionRow): StoredSession => ({
  idHash: row.id_hash,
  userId: row.user_id,
  csrfToken: row.csrf_token,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === "23505";

/** PostgreSQL adapter of the AccessStore port (tables from migration 5). */
export class PostgresAccessStore implements AccessStore {
  constructor(private readonly db: PostgresDatabase) {}

  async insertToken(token: StoredToken): Promise<void> {
    try {
      await this.db.run(
        `INSERT INTO api_tokens (id, name, token_hash, role, environment_roles, created_by, created_at, expires_at, last_used_at, revoked_at, scope)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
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
        ],
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new SlipwayError("SLIPWAY_CONFLICT", "token id already exists");
      throw error;
    }
  }

  async findToken(id: string): Promise<StoredToken | undefined> {
    const [row] = await this.db.rows<TokenRow>("SELECT * FROM api_tokens WHERE id = $1", [id]);
    return row && tokenFromRow(row);
  }

  async listTokens(): Promise<StoredToken[]> {
    const rows = await this.db.rows<TokenRow>('SELECT * FROM api_tokens ORDER BY created_at, id COLLATE "C"');
    return rows.map(tokenFromRow);
  }

  async revokeToken(id: string, at: number): Promise<boolean> {
    // Conditional: of two concurrent revocations, one answers true.
    const changed = await this.db.run(
      "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
      [at, id],
    );
    return changed > 0;
  }

  async touchToken(id: string, at: number): Promise<void> {
    await this.db.run("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", [at, id]);
  }

  async insertUser(user: StoredUser): Promise<void> {
    try {
      await this.db.run(
        "INSERT INTO users (id, name, password_hash, role, environment_roles, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        [
          user.id,
          user.name,
          user.passwordHash,
          user.role,
          JSON.stringify(user.environmentRoles),
          user.createdAt,
        ],
      );
    } catch (error) {
      if (isUniqueViolation(error))
        throw new SlipwayError("SLIPWAY_CONFLICT", `user ${user.name} already exists`);
      throw error;
    }
  }

  async findUserById(id: string): Promise<StoredUser | undefined> {
    const [row] = await this.db.rows<UserRow>("SELECT * FROM users WHERE id = $1", [id]);
    return row && userFromRow(row);
  }

  async findUserByName(name: string): Promise<StoredUser | undefined> {
    const [row] = await this.db.rows<UserRow>("SELECT * FROM users WHERE name = $1", [name]);
    return row && userFromRow(row);
  }

  async listUsers(): Promise<StoredUser[]> {
    const rows = await this.db.rows<UserRow>('SELECT * FROM users ORDER BY created_at, id COLLATE "C"');
    return rows.map(userFromRow);
  }

  async updateUserPassword(id: string, passwordHash: string): Promise<void> {
    await this.db.run("UPDATE users SET password_hash = $1 WHERE id = $2", [passwordHash, id]);
  }

  async deleteUser(id: string): Promise<boolean> {
    // Sessions go with the user (ON DELETE CASCADE).
    return (await this.db.run("DELETE FROM users WHERE id = $1", [id])) > 0;
  }

  async insertSession(session: StoredSession): Promise<void> {
    await this.db.run(
      "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
      [session.idHash, session.userId, session.csrfToken, session.createdAt, session.expiresAt],
    );
  }

  async findSession(idHash: string): Promise<StoredSession | undefined> {
    const [row] = await this.db.rows<SessionRow>("SELECT * FROM sessions WHERE id_hash = $1", [idHash]);
    return row && sessionFromRow(row);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.run("DELETE FROM sessions WHERE id_hash = $1", [idHash]);
  }

  deleteExpiredSessions(now: number): Promise<number> {
    return this.db.run("DELETE FROM sessions WHERE expires_at <= $1", [now]);
  }
}
