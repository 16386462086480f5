import { migration002 } from "./002-rollouts.js";
import { pipelinesMigration } from "./001-pipelines.js";
import { migration003 } from "./003-releases.js";
import { migration004 } from "./004-notifications.js";
import { migration005 } from "./005-access.js";
import { migration006 } from "./006-release-commit-time.js";
import { migration007 } from "./007-delivery-indexes.js";
import { migration008 } from "./008-flags.js";
import { migration009 } from "./009-token-scope.js";

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
];
