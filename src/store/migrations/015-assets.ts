import type { Migration } from "./index.js";

/**
 * Static asset bundles (issue 20): published versions with their SRI manifest (JSON text), the
 * aliases (channels) pointing at them, and every alias move. The files live in the assets directory.
 */
export const migration015: Migration = {
  version: 15,
  name: "assets",
  sql: `
CREATE TABLE asset_versions (
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  digest TEXT NOT NULL,
  manifest TEXT NOT NULL,
  published_at TEXT NOT NULL,
  published_by TEXT NOT NULL,
  PRIMARY KEY (name, version)
);
CREATE TABLE asset_aliases (
  name TEXT NOT NULL,
  alias TEXT NOT NULL,
  version TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (name, alias)
);
CREATE TABLE asset_alias_moves (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  alias TEXT NOT NULL,
  from_version TEXT,
  to_version TEXT NOT NULL,
  action TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX asset_alias_moves_by_alias ON asset_alias_moves (name, alias, id);
`,
};
