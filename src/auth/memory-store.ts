import { SlipwayError } from "../core/errors.js";
import type { AccessStore, StoredSession, StoredToken, StoredUser } from "../store/ports/access-store.js";

/** AccessStore in memory, for tests and `slipway run`-style single-process use. */
export class MemoryAccessStore implements AccessStore {
  private readonly tokens = new Map<string, StoredToken>();
  private readonly users = new Map<string, StoredUser>();
  private readonly sessions = new Map<string, StoredSession>();

  insertToken(token: StoredToken): Promise<void> {
    if (this.tokens.has(token.id))
      return Promise.reject(new SlipwayError("SLIPWAY_CONFLICT", "token id already exists"));
    this.tokens.set(token.id, structuredClone(token));
    return Promise.resolve();
  }
  findToken(id: string): Promise<StoredToken | undefined> {
    const token = this.tokens.get(id);
    return Promise.resolve(token && structuredClone(token));
  }
  listTokens(): Promise<StoredToken[]> {
    return Promise.resolve(
      [...this.tokens.values()].sort((a, b) => a.createdAt - b.createdAt).map((t) => structuredClone(t)),
    );
  }
  revokeToken(id: string, at: number): Promise<boolean> {
    const token = this.tokens.get(id);
    if (!token || token.revokedAt !== null) return Promise.resolve(false);
    token.revokedAt = at;
    return Promise.resolve(true);
  }
  touchToken(id: string, at: number): Promise<void> {
    const token = this.tokens.get(id);
    if (token) token.lastUsedAt = at;
    return Promise.resolve();
  }

  insertUser(user: StoredUser): Promise<void> {
    if ([...this.users.values()].some((u) => u.name === user.name) || this.users.has(user.id)) {
      return Promise.reject(new SlipwayError("SLIPWAY_CONFLICT", `user ${user.name} already exists`));
    }
    this.users.set(user.id, structuredClone(user));
    return Promise.resolve();
  }
  findUserById(id: string): Promise<StoredUser | undefined> {
    const user = this.users.get(id);
    return Promise.resolve(user && structuredClone(user));
  }
  findUserByName(name: string): Promise<StoredUser | undefined> {
    const user = [...this.users.values()].find((u) => u.name === name);
    return Promise.resolve(user && structuredClone(user));
  }
  listUsers(): Promise<StoredUser[]> {
    return Promise.resolve(
      [...this.users.values()].sort((a, b) => a.createdAt - b.createdAt).map((u) => structuredClone(u)),
    );
  }
  updateUserPassword(id: string, passwordHash: string): Promise<void> {
    const user = this.users.get(id);
    if (user) user.passwordHash = passwordHash;
    return Promise.resolve();
  }
  deleteUser(id: string): Promise<boolean> {
    const existed = this.users.delete(id);
    for (const [key, session] of this.sessions) if (session.userId === id) this.sessions.delete(key);
    return Promise.resolve(existed);
  }

  insertSession(session: StoredSession): Promise<void> {
    this.sessions.set(session.idHash, structuredClone(session));
    return Promise.resolve();
  }
  findSession(idHash: string): Promise<StoredSession | undefined> {
    const session = this.sessions.get(idHash);
    return Promise.resolve(session && structuredClone(session));
  }
  deleteSession(idHash: string): Promise<void> {
    this.sessions.delete(idHash);
    return Promise.resolve();
  }
  deleteExpiredSessions(now: number): Promise<number> {
    let removed = 0;
    for (const [key, session] of this.sessions) {
      if (session.expiresAt <= now) {
        this.sessions.delete(key);
        removed++;
      }
    }
    return Promise.resolve(removed);
  }
}
