import type { Store } from "../index.js";
import type { MigrationReport } from "../migrations/index.js";
import type { BackupTable } from "../backup.js";
import { PostgresAccessStore } from "./access.js";
import { loadPostgres, snapshotPostgres } from "./backup.js";
import { PostgresAuditStore } from "./audit.js";
import { migratePostgres, PostgresDatabase, redactUrl, type Fence } from "./database.js";
import { PostgresLeaseStore } from "./leases.js";
import { PostgresDeadLetterStore } from "./dead-letters.js";
import { PostgresDeliveryMetricsStore } from "./delivery.js";
import { PostgresChannelStore } from "./channels.js";
import { PostgresExperimentStore } from "./experiments.js";
import { PostgresEvidenceStore } from "./evidence.js";
import { PostgresRolloutSeriesStore } from "./rollout-series.js";
import { PostgresFlagStore } from "./flags.js";
import { PostgresAssetStore } from "./assets.js";
import { PostgresReleaseStore } from "./releases.js";
import { PostgresRolloutStore } from "./rollouts.js";
import { PostgresRunStore } from "./runs.js";
import { PostgresWebhookDeliveryStore } from "./webhook-deliveries.js";

/** Every aggregate over one PostgreSQL database (a connection pool; migrations applied on open). */
export class PostgresStore implements Store {
  readonly rollouts: PostgresRolloutStore;
  readonly releases: PostgresReleaseStore;
  readonly runs: PostgresRunStore;
  readonly access: PostgresAccessStore;
  readonly audit: PostgresAuditStore;
  readonly deadLetters: PostgresDeadLetterStore;
  readonly webhookDeliveries: PostgresWebhookDeliveryStore;
  readonly deliveryMetrics: PostgresDeliveryMetricsStore;
  readonly flags: PostgresFlagStore;
  readonly assets: PostgresAssetStore;
  readonly channels: PostgresChannelStore;
  readonly experiments: PostgresExperimentStore;
  readonly evidence: PostgresEvidenceStore;
  readonly rolloutSeries: PostgresRolloutSeriesStore;
  readonly location: string;

  constructor(
    /** The pool; only the composition root, backups and tests reach for it. */
    readonly db: PostgresDatabase,
    readonly migration: MigrationReport,
  ) {
    this.location = db.location;
    this.rollouts = new PostgresRolloutStore(db);
    this.releases = new PostgresReleaseStore(db);
    this.runs = new PostgresRunStore(db);
    this.access = new PostgresAccessStore(db);
    this.audit = new PostgresAuditStore(db);
    this.deadLetters = new PostgresDeadLetterStore(db);
    this.webhookDeliveries = new PostgresWebhookDeliveryStore(db);
    this.deliveryMetrics = new PostgresDeliveryMetricsStore(db);
    this.flags = new PostgresFlagStore(db);
    this.assets = new PostgresAssetStore(db);
    this.channels = new PostgresChannelStore(db);
    this.experiments = new PostgresExperimentStore(db);
    this.evidence = new PostgresEvidenceStore(db);
    this.rolloutSeries = new PostgresRolloutSeriesStore(db);
  }

  async check(): Promise<void> {
    await this.db.rows("SELECT count(*) FROM schema_migrations");
  }

  snapshot(): Promise<BackupTable[]> {
    return snapshotPostgres(this.db);
  }

  load(tables: readonly BackupTable[]): Promise<void> {
    return loadPostgres(this.db, tables);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/**
 * Connects to the PostgreSQL database at `url` (postgres://user:password@host:port/database) and
 * applies pending migrations. The database must exist; its URL's password never appears in
 * `location` or in an error.
 */
export async function openPostgresStore(url: string, options: { max?: number } = {}): Promise<PostgresStore> {
  const db = new PostgresDatabase(url, redactUrl(url), options);
  try {
    return new PostgresStore(db, await migratePostgres(db));
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * The parts of a highly available control plane over the (already migrated) database at `url`:
 * the lease store, and a Store whose every write is fenced by `fence` (the controller's). Two
 * small pools of their own, so the lease is renewed even while the API's pool is busy.
 */
export function openPostgresLeaderParts(
  url: string,
  fence: Fence,
): { leases: PostgresLeaseStore; fenced: PostgresStore; close(): Promise<void> } {
  const location = redactUrl(url);
  // A paused leader must not hold the lease row: the server ends a fenced transaction left idle
  // (it holds the row FOR SHARE), and a takeover gives up waiting for the row rather than hang.
  const leaseDb = new PostgresDatabase(url, location, { max: 2, lockTimeoutMs: 1_000 });
  const fencedDb = new PostgresDatabase(url, location, { max: 6, fence, idleInTransactionMs: 1_000 });
  const fenced = new PostgresStore(fencedDb, { applied: [], version: 0 });
  return {
    leases: new PostgresLeaseStore(leaseDb),
    fenced,
    close: async () => {
      await Promise.all([leaseDb.close(), fencedDb.close()]);
    },
  };
}
