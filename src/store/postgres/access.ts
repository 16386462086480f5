import type { AccessStore, StoredSession, StoredToken, StoredUser } from "../ports/access-store.js";
import { SlipwayError } from "../../core/errors.js";
import {
  sessionFromRow,
  sessionParams,
  tokenFromRow,
  tokenParams,
  userFromRow,
  userParams,
  type SessionRow,
  type TokenRow,
  type UserRow,
} from "../rows/access-rows.js";
import type { PostgresDatabase } from "./database.js";

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === "23505";

/** PostgreSQL adapter of the AccessStore port (tables from migration 5). */
export class PostgresAccessStore implements AccessStore {
  constructor(private readonly db: PostgresDatabase) {}

  async insertToken(token: StoredToken): Promise<void> {
    try {
      await this.db.run(
        `INSERT INTO api_tokens (id, name, token_hash, role, environment_roles, created_by, created_at, expires_at, last_used_at, revoked_at, scope)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        tokenParams(token),
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
        userParams(user),
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
      sessionParams(session),
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
