import { SlipwayError } from "../core/errors.js";
import type { AccessStore } from "./ports/access-store.js";
import type { AuditStore } from "./ports/audit-store.js";
import type { DeadLetterStore } from "./ports/dead-letter-store.js";
import type { DeliveryMetricsStore } from "./ports/delivery-metrics-store.js";
import type { ChannelStore } from "./ports/channel-store.js";
import type { ExperimentStore } from "./ports/experiment-store.js";
import type { EvidenceStore } from "./ports/evidence-store.js";
import type { FlagStore } from "./ports/flag-store.js";
import type { AssetStore } from "./ports/asset-store.js";
import type { ReleaseStore } from "./ports/release-store.js";
import type { RolloutStore } from "./ports/rollout-store.js";
import type { RunStore } from "./ports/run-store.js";
import type { RolloutSeriesStore } from "./ports/rollout-series-store.js";
import type { WebhookDeliveryStore } from "./ports/webhook-delivery-store.js";
import type { BackupTable } from "./backup.js";
import type { MigrationReport } from "./migrations/index.js";
import { openPostgresLeaderParts, openPostgresStore } from "./postgres/store.js";
import type { LeaseStore } from "./ports/lease-store.js";
import type { Fence } from "./postgres/database.js";
import { openSqliteStore } from "./sqlite/store.js";

export type * from "./ports/access-store.js";
export type * from "./ports/audit-store.js";
export type * from "./ports/dead-letter-store.js";
export type * from "./ports/delivery-metrics-store.js";
export type * from "./ports/channel-store.js";
export type * from "./ports/experiment-store.js";
export type * from "./ports/evidence-store.js";
export type * from "./ports/flag-store.js";
export type * from "./ports/asset-store.js";
export type * from "./ports/release-store.js";
export type * from "./ports/rollout-store.js";
export type * from "./ports/run-store.js";
export type * from "./ports/rollout-series-store.js";
export type * from "./ports/webhook-delivery-store.js";
export type * from "./ports/lease-store.js";
export type { Fence } from "./postgres/database.js";
export { FENCED } from "./postgres/database.js";
export type { MigrationReport } from "./migrations/index.js";

/**
 * The Store: Slipway's state behind one asynchronous port, one interface per aggregate
 * (src/store/ports/). Opened once by the composition root (the server, the CLI commands that read
 * state) and handed to whatever needs a part of it. Each adapter runs the contract suites in
 * src/store/contract/.
 */
export interface Store {
  readonly rollouts: RolloutStore;
  readonly releases: ReleaseStore;
  readonly runs: RunStore;
  readonly access: AccessStore;
  readonly audit: AuditStore;
  readonly deadLetters: DeadLetterStore;
  readonly webhookDeliveries: WebhookDeliveryStore;
  readonly deliveryMetrics: DeliveryMetricsStore;
  readonly flags: FlagStore;
  readonly assets: AssetStore;
  readonly channels: ChannelStore;
  readonly experiments: ExperimentStore;
  readonly evidence: EvidenceStore;
  readonly rolloutSeries: RolloutSeriesStore;
  /** Where the state is, without credentials (for logs). */
  readonly location: string;
  /** What opening the store migrated (nothing when it was up to date), and the schema version. */
  readonly migration: MigrationReport;
  /** A cheap read that fails as the database fails (health checks); rejects with the driver's error. */
  check(): Promise<void>;
  /** Every table's rows, read in one consistent snapshot while others keep writing (`slipway backup`). */
  snapshot(): Promise<BackupTable[]>;
  /** Loads a snapshot into this store in one transaction; refuses (SLIPWAY_CONFLICT) a store that holds state. */
  load(tables: readonly BackupTable[]): Promise<void>;
  close(): Promise<void>;
}

/** Store URL schemes Slipway opens; a plain path means SQLite. */
export const STORE_SCHEMES = ["sqlite", "postgres"] as const;

/** Whether `url` names a PostgreSQL database (postgres:// or postgresql://). */
export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);

/**
 * Opens the Store at `url`, applying pending migrations: `postgres://user:password@host:port/db`
 * (also `postgresql://`; the database must exist), `sqlite:<path>` (also `sqlite://<path>`),
 * `sqlite::memory:`, or a plain file path, which is SQLite. Any other scheme is a SLIPWAY_STORE
 * error naming the supported ones (and never the rest of the URL, which may hold a password).
 *
 * @example const store = await openStore(join(dataDir, "slipway.db")); try { … } finally { await store.close(); }
 */
export function openStore(url: string): Promise<Store> {
  if (isPostgresUrl(url)) return openPostgresStore(url);
  return new Promise((resolve) => resolve(open(url)));
}

function open(url: string): Store {
  // Two letters at least, so a Windows drive ("C:\…") reads as a path.
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) return openSqliteStore(url);
  if (scheme === "sqlite") {
    const path = url.slice("sqlite:".length).replace(/^\/\//, "");
    if (path === "") throw new SlipwayError("SLIPWAY_STORE", `store URL ${url} names no database file`);
    return openSqliteStore(path);
  }
  throw new SlipwayError(
    "SLIPWAY_STORE",
    `cannot open a store with scheme "${scheme}:" (supported: postgres://user@host/database, sqlite:<path> or a file path)`,
  );
}

/** What a highly available control plane adds to the Store: the lease, and fenced writes. */
export interface LeaderParts {
  leases: LeaseStore;
  /** The Store again, every write of it fenced (the controller and the notifier use it). */
  fenced: Store;
  close(): Promise<void>;
}

/**
 * Opens the lease and a fenced Store over the database at `url` (open it with openStore first:
 * that migrates). Only PostgreSQL: a SQLite file lives on one host, so several control planes on
 * it could not survive that host anyway (SLIPWAY_UNSUPPORTED, saying so).
 */
export function openLeaderParts(url: string, fence: Fence): LeaderParts {
  if (!isPostgresUrl(url)) {
    throw new SlipwayError(
      "SLIPWAY_UNSUPPORTED",
      "a highly available control plane (--ha) needs PostgreSQL: a SQLite file lives on one host; " +
        "start the replicas with --database postgres://… (see docs/scaling.md)",
    );
  }
  return openPostgresLeaderParts(url, fence);
}
