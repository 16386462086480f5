import { SlipwayError } from "../../core/errors.js";
import { pipelinesMigration } from "./001-pipelines.js";
import { migration002 } from "./002-rollouts.js";
import { migration003 } from "./003-releases.js";
import { migration004 } from "./004-notifications.js";
import { migration005 } from "./005-access.js";
import { migration006 } from "./006-release-commit-time.js";
import { migration007 } from "./007-delivery-indexes.js";
import { migration008 } from "./008-flags.js";
import { migration009 } from "./009-token-scope.js";
import { migration010 } from "./010-control-lease.js";
import { migration011 } from "./011-experiments.js";
import { migration012 } from "./012-channels.js";
import { migration013 } from "./013-release-notes.js";
import { migration014 } from "./014-evidence.js";
import { migration015 } from "./015-assets.js";
import { migration020 } from "./020-rollout-series.js";
import { migration021 } from "./021-run-log-times.js";

/**
 * Versioned schema migrations, applied in order and recorded in `schema_migrations`. Each subsystem
 * owns its migration files; a migration is never edited once released: add a new one instead.
 * Keep SQL portable (TEXT, INTEGER, REAL) so the PostgreSQL adapter can share these files.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  pipelinesMigration,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
  migration007,
  migration008,
  migration009,
  migration010,
  migration011,
  migration012,
  migration013,
  migration014,
  migration015,
  migration020,
  migration021,
];

/** What a migrator did: the migrations it applied now (none when up to date) and the version after. */
export interface MigrationReport {
  applied: { version: number; name: string }[];
  version: number;
}

/** The newest schema version a list of migrations reaches. */
export const schemaVersion = (migrations: readonly Migration[]): number =>
  migrations.reduce((max, m) => Math.max(max, m.version), 0);

/**
 * The migrations still to apply, in version order, given the versions a database has recorded.
 * Refuses (SLIPWAY_STORE) a database a newer Slipway migrated: this binary would misread its tables.
 */
export function pendingMigrations(
  applied: Iterable<number>,
  migrations: readonly Migration[],
  location: string,
): Migration[] {
  const done = new Set(applied);
  const newest = Math.max(0, ...done);
  const known = schemaVersion(migrations);
  if (newest > known) {
    throw new SlipwayError(
      "SLIPWAY_STORE",
      `the database ${location} is at schema version ${newest}, newer than this slipway knows (${known}): ` +
        "a newer release migrated it. Run that release (or a newer one), or restore a backup taken before the upgrade",
    );
  }
  return [...migrations].sort((a, b) => a.version - b.version).filter((m) => !done.has(m.version));
}
