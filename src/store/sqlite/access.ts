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
import type { SqliteDatabase } from "./database.js";

const isUniqueViolation = (error: unknown) =>
  (error as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY" ||
  (error as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE";

/** SQLite adapter of the AccessStore port (tables from migration 005). */
export class SqliteAccessStore implements AccessStore {
  constructor(private readonly db: SqliteDatabase) {}

  insertToken(token: StoredToken): Promise<void> {
    try {
      this.db
        .prepare(
          `INSERT INTO api_tokens (id, name, token_hash, role, environment_roles, created_by, created_at, expires_at, last_used_at, revoked_at, scope)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(...tokenParams(token));
    } catch (error) {
      if (isUniqueViolation(error))
        return Promise.reject(new SlipwayError("SLIPWAY_CONFLICT", "token id already exists"));
      throw error;
    }
    return Promise.resolve();
  }

  findToken(id: string): Promise<StoredToken | undefined> {
    const row = this.db.prepare("SELECT * FROM api_tokens WHERE id = ?").get(id) as TokenRow | undefined;
    return Promise.resolve(row && tokenFromRow(row));
  }

  listTokens(): Promise<StoredToken[]> {
    const rows = this.db.prepare("SELECT * FROM api_tokens ORDER BY created_at, id").all() as TokenRow[];
    return Promise.resolve(rows.map(tokenFromRow));
  }

  revokeToken(id: string, at: number): Promise<boolean> {
    const result = this.db
      .prepare("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
      .run(at, id);
    return Promise.resolve(result.changes > 0);
  }

  touchToken(id: string, at: number): Promise<void> {
    this.db.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?").run(at, id);
    return Promise.resolve();
  }

  insertUser(user: StoredUser): Promise<void> {
    try {
      this.db
        .prepare(
          "INSERT INTO users (id, name, password_hash, role, environment_roles, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .run(...userParams(user));
    } catch (error) {
      if (isUniqueViolation(error)) {
        return Promise.reject(new SlipwayError("SLIPWAY_CONFLICT", `user ${user.name} already exists`));
      }
      throw error;
    }
    return Promise.resolve();
  }

  findUserById(id: string): Promise<StoredUser | undefined> {
    const row = this.db.prepare("SELECT * FROM users WHERE id = ?").get(id) as UserRow | undefined;
    return Promise.resolve(row && userFromRow(row));
  }

  findUserByName(name: string): Promise<StoredUser | undefined> {
    const row = this.db.prepare("SELECT * FROM users WHERE name = ?").get(name) as UserRow | undefined;
    return Promise.resolve(row && userFromRow(row));
  }

  listUsers(): Promise<StoredUser[]> {
    const rows = this.db.prepare("SELECT * FROM users ORDER BY created_at, id").all() as UserRow[];
    return Promise.resolve(rows.map(userFromRow));
  }

  updateUserPassword(id: string, passwordHash: string): Promise<void> {
    this.db.prepare("UPDATE users SET password_hash = ? WHERE id = ?").run(passwordHash, id);
    return Promise.resolve();
  }

  deleteUser(id: string): Promise<boolean> {
    // Sessions go with the user (ON DELETE CASCADE; foreign_keys is on in openSqlite).
    return Promise.resolve(this.db.prepare("DELETE FROM users WHERE id = ?").run(id).changes > 0);
  }

  insertSession(session: StoredSession): Promise<void> {
    this.db
      .prepare(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
      )
      .run(...sessionParams(session));
    return Promise.resolve();
  }

  findSession(idHash: string): Promise<StoredSession | undefined> {
    const row = this.db.prepare("SELECT * FROM sessions WHERE id_hash = ?").get(idHash) as
      SessionRow | undefined;
    return Promise.resolve(row && sessionFromRow(row));
  }

  deleteSession(idHash: string): Promise<void> {
    this.db.prepare("DELETE FROM sessions WHERE id_hash = ?").run(idHash);
    return Promise.resolve();
  }

  deleteExpiredSessions(now: number): Promise<number> {
    return Promise.resolve(this.db.prepare("DELETE FROM sessions WHERE expires_at <= ?").run(now).changes);
  }
}
