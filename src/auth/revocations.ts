import type { Authentication } from "./accounts.js";
import type { AccessStore } from "../store/ports/access-store.js";

/** A credential that can end: a token, a user (with all their sessions), or one session. */
export type CredentialKey = `token:${string}` | `user:${string}` | `session:${string}`;

/** The keys whose end must end what `auth` opened (a session ends with its user too). */
export function credentialKeysOf(auth: Authentication): CredentialKey[] {
  switch (auth.via) {
    case "token":
      return [`token:${auth.token.id}`];
    case "session":
      return [`session:${auth.session.idHash}`, `user:${auth.principal.id}`];
    case "anonymous":
    case "invalid":
      return [];
    default: {
      const unreachable: never = auth;
      return unreachable;
    }
  }
}

/**
 * Long-lived things opened with a credential (server-sent event streams) register here and are
 * closed the moment that credential is revoked or deleted through the access layer, rather than
 * at their next periodic re-check ("revocation is immediate", docs/access.md).
 */
export class Revocations {
  private readonly listeners = new Map<CredentialKey, Set<() => void>>();

  /** Calls `onEnd` once when any of `keys` ends; returns the function that stops watching. */
  watch(keys: readonly CredentialKey[], onEnd: () => void): () => void {
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      stop();
      onEnd();
    };
    const stop = () => {
      for (const key of keys) {
        const set = this.listeners.get(key);
        set?.delete(once);
        if (set?.size === 0) this.listeners.delete(key);
      }
    };
    for (const key of keys) {
      const set = this.listeners.get(key) ?? new Set();
      set.add(once);
      this.listeners.set(key, set);
    }
    return stop;
  }

  ended(key: CredentialKey): void {
    for (const listener of [...(this.listeners.get(key) ?? [])]) listener();
  }
}

/**
 * The access store with every revocation and deletion also announced to `revocations`, so all
 * callers (API routes, CLI through the API, sign-out) end open streams without knowing of them.
 */
export function announcingRevocations(store: AccessStore, revocations: Revocations): AccessStore {
  return {
    insertToken: (token) => store.insertToken(token),
    findToken: (id) => store.findToken(id),
    listTokens: () => store.listTokens(),
    async revokeToken(id, at) {
      const revoked = await store.revokeToken(id, at);
      if (revoked) revocations.ended(`token:${id}`);
      return revoked;
    },
    touchToken: (id, at) => store.touchToken(id, at),
    insertUser: (user) => store.insertUser(user),
    findUserById: (id) => store.findUserById(id),
    findUserByName: (name) => store.findUserByName(name),
    listUsers: () => store.listUsers(),
    updateUserPassword: (id, hash) => store.updateUserPassword(id, hash),
    async deleteUser(id) {
      const deleted = await store.deleteUser(id);
      if (deleted) revocations.ended(`user:${id}`);
      return deleted;
    },
    insertSession: (session) => store.insertSession(session),
    findSession: (idHash) => store.findSession(idHash),
    async deleteSession(idHash) {
      await store.deleteSession(idHash);
      revocations.ended(`session:${idHash}`);
    },
    deleteExpiredSessions: (now) => store.deleteExpiredSessions(now),
  };
}
