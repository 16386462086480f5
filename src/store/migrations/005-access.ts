import type { Migration } from "./index.js";

/**
 * Access control (issue 7): API tokens, dashboard users and their sessions. No secret is stored:
 * tokens and session ids as SHA-256 hex, passwords as scrypt hashes. Times are epoch milliseconds
 * (BIGINT, see 004). Role maps per environment are JSON objects. GitHub delivery ids seen recently
 * live here too, so a restart does not reopen the replay window.
 */
export const migration005: Migration = {
  version: 5,
  name: "access",
  sql: `
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  environment_roles TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  environment_roles TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  seen_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_by_seen ON webhook_deliveries (seen_at);
`,
};
