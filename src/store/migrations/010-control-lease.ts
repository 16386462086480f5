import type { Migration } from "./index.js";

/**
 * A highly available control plane (issue 17): `control_leases` holds who leads (one row per
 * lease), with an epoch that grows on every change of hands; fenced writes check it in their own
 * transaction. `notification_claims` records each notification a leader took on to send, so a
 * new leader never sends it again. Coordination, not state: neither is in backups.
 */
export const migration010: Migration = {
  version: 10,
  name: "control-lease",
  sql: `
CREATE TABLE control_leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  epoch BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  url TEXT
);
CREATE TABLE notification_claims (
  key TEXT PRIMARY KEY,
  epoch BIGINT NOT NULL,
  claimed_at BIGINT NOT NULL
);
`,
};
