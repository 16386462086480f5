import type { Store } from "../index.js";
import { SqliteAccessStore } from "./access.js";
import { SqliteAuditStore } from "./audit.js";
import type { BackupTable } from "../backup.js";
import { loadSqlite, snapshotSqlite } from "./backup.js";
import { openSqliteReporting, settle, type SqliteDatabase } from "./database.js";
import type { MigrationReport } from "../migrations/index.js";
import { SqliteDeadLetterStore } from "./dead-letters.js";
import { SqliteDeliveryMetricsStore } from "./delivery.js";
import { SqliteChannelStore } from "./channels.js";
import { SqliteExperimentStore } from "./experiments.js";
import { SqliteEvidenceStore } from "./evidence.js";
import { SqliteFlagStore } from "./flags.js";
import { SqliteAssetStore } from "./assets.js";
import { SqliteReleaseStore } from "./releases.js";
import { SqliteRolloutStore } from "./rollouts.js";
import { SqliteRunStore } from "./runs.js";
import { SqliteRolloutSeriesStore } from "./rollout-series.js";
import { SqliteWebhookDeliveryStore } from "./webhook-deliveries.js";

/** Every aggregate over one SQLite database (one file, WAL; migrations applied on open). */
export class SqliteStore implements Store {
  readonly rollouts: SqliteRolloutStore;
  readonly releases: SqliteReleaseStore;
  readonly runs: SqliteRunStore;
  readonly access: SqliteAccessStore;
  readonly audit: SqliteAuditStore;
  readonly deadLetters: SqliteDeadLetterStore;
  readonly webhookDeliveries: SqliteWebhookDeliveryStore;
  readonly deliveryMetrics: SqliteDeliveryMetricsStore;
  readonly flags: SqliteFlagStore;
  readonly assets: SqliteAssetStore;
  readonly channels: SqliteChannelStore;
  readonly experiments: SqliteExperimentStore;
  readonly evidence: SqliteEvidenceStore;
  readonly rolloutSeries: SqliteRolloutSeriesStore;

  constructor(
    /** The connection; only the composition root and tests reach for it. */
    readonly db: SqliteDatabase,
    readonly location: string,
    readonly migration: MigrationReport = { applied: [], version: 0 },
  ) {
    this.rollouts = new SqliteRolloutStore(db);
    this.releases = new SqliteReleaseStore(db);
    this.runs = new SqliteRunStore(db);
    this.access = new SqliteAccessStore(db);
    this.audit = new SqliteAuditStore(db);
    this.deadLetters = new SqliteDeadLetterStore(db);
    this.webhookDeliveries = new SqliteWebhookDeliveryStore(db);
    this.deliveryMetrics = new SqliteDeliveryMetricsStore(db);
    this.flags = new SqliteFlagStore(db);
    this.assets = new SqliteAssetStore(db);
    this.channels = new SqliteChannelStore(db);
    this.experiments = new SqliteExperimentStore(db);
    this.evidence = new SqliteEvidenceStore(db);
    this.rolloutSeries = new SqliteRolloutSeriesStore(db);
  }

  check(): Promise<void> {
    return new Promise((resolve) => {
      this.db.prepare("SELECT count(*) FROM schema_migrations").get();
      resolve();
    });
  }

  snapshot(): Promise<BackupTable[]> {
    return settle(() => snapshotSqlite(this.db));
  }

  load(tables: readonly BackupTable[]): Promise<void> {
    return settle(() => loadSqlite(this.db, this.location, tables));
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}

/** Opens (creating and migrating) the SQLite database at `path` (":memory:" for a throwaway one). */
export function openSqliteStore(path: string): SqliteStore {
  const { db, migration } = openSqliteReporting(path);
  return new SqliteStore(db, `sqlite:${path}`, migration);
}
