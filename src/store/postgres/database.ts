import { createRequire } from "node:module";
import type pg from "pg";

/**
 * The driver, loaded when a PostgreSQL store is opened: commands on SQLite (`slipway run`, most
 * of the CLI) do not pay for loading it.
 */
let driver: typeof pg | undefined;
function loadDriver(): typeof pg {
  driver ??= createRequire(import.meta.url)("pg") as typeof pg;
  return driver;
}
import { SlipwayError } from "../../core/errors.js";
import { pendingMigrations, type Migration, type MigrationReport } from "../migrations/index.js";
import { POSTGRES_MIGRATIONS } from "./migrations.js";

/** Something that runs parameterised SQL: the pool, or one transaction's client. */
export interface Queryable {
  /** The rows of `sql` with `$1…` bound to `params`. */
  rows<R>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs `sql`; answers how many rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/**
 * Advisory lock keys (pg_advisory_xact_lock(class, key)): they serialize what SQLite's single
 * writer serialized for free, and are released when the transaction ends.
 */
export const LOCKS = {
  migrate: [1, 0],
  createRollout: [2, 0],
  startRun: [3, 0],
  /** Key: the run id. */
  runLogs: 4,
  /** Taken right before an audit event is inserted, so `seq` order is commit order (eventsSince). */
  auditEvents: [5, 0],
  /** Every flag write (PostgresFlagStore). */
  flags: [6, 0],
  /** Every asset version add and alias move (PostgresAssetStore). */
  assets: [7, 0],
} as const;

/** PostgreSQL's type id of BIGINT (int8). */
const INT8_OID = 20;

/** Epoch milliseconds, ids and counts are BIGINT: numbers below 2^53, read back as numbers. */
const TYPES = {
  getTypeParser: (oid: number, format?: "text" | "binary"): unknown =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : loadDriver().types.getTypeParser(oid, format ?? "text"),
};

/** The URL without its password (or query), for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = "";
    parsed.search = ""; // may carry password= or sslpassword=
    return parsed.toString().replace(/^postgresql:/, "postgres:");
  } catch {
    return "postgres://(unparsable URL)";
  }
}

/** Driver and server errors meaning "the database is not reachable now" rather than a bad query. */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, shutting down)
  "53300", // too_many_connections
]);

function isConnectionFailure(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (CONNECTION_CODES.has(code) || code.startsWith("08"))) return true;
  return /Connection terminated|connection error|timeout exceeded when trying to connect|Connection ended/i.test(
    error.message,
  );
}

/**
 * A PostgreSQL failure as a SlipwayError when it is about the database rather than the query:
 * unreachable (SLIPWAY_STORE_UNAVAILABLE, the control plane retries), missing or refusing us
 * (SLIPWAY_STORE, with what to do). Anything else (a constraint, a bug) is answered unchanged.
 * Messages name the database without its password.
 */
export function postgresFault(error: unknown, location: string): unknown {
  if (!(error instanceof Error) || error instanceof SlipwayError) return error;
  const code = (error as { code?: unknown }).code;
  const cause = `${typeof code === "string" ? `${code}: ` : ""}${error.message}`;
  if (isConnectionFailure(error)) {
    return new SlipwayError(
      "SLIPWAY_STORE_UNAVAILABLE",
      `cannot reach the PostgreSQL database ${location} (${cause}); check that the server runs and accepts connections`,
    );
  }
  if (code === "3D000") {
    const db = new URL(location).pathname.slice(1);
    return new SlipwayError(
      "SLIPWAY_STORE",
      `the PostgreSQL database ${location} does not exist (${cause}); create it first: createdb ${db}`,
    );
  }
  if (code === "28P01" || code === "28000" || code === "42501") {
    return new SlipwayError(
      "SLIPWAY_STORE",
      `PostgreSQL refused Slipway at ${location} (${cause}); check the user, password and grants in the URL`,
    );
  }
  return error;
}

/**
 * Fencing for a highly available control plane: the lease a writer must hold, and the epoch it
 * holds it at (undefined: not the leader). Every write transaction of a fenced database first reads
 * the lease row FOR SHARE and fails unless it still carries that epoch, so a paused old leader's
 * write fails once another took the lease (a takeover's UPDATE waits for fenced writes under way).
 */
export interface Fence {
  lease: string;
  epoch(): number | undefined;
}

/** The error of a write refused by its fence. */
export const FENCED = "fenced: this control plane no longer holds the leader lease";

/** A statement that only reads (runs outside the fence). */
const READ_ONLY_SQL = /^\s*SELECT\b/i;

/** A pool of connections to one PostgreSQL database, with transactions and Slipway's error mapping. */
export class PostgresDatabase implements Queryable {
  readonly pool: pg.Pool;
  private readonly fence: Fence | undefined;

  constructor(
    url: string,
    readonly location: string,
    options: {
      max?: number;
      fence?: Fence;
      /** Server-side bounds (ms): waiting for a row lock, a transaction left idle by a paused process. */
      lockTimeoutMs?: number;
      idleInTransactionMs?: number;
    } = {},
  ) {
    this.fence = options.fence;
    this.pool = new (loadDriver().Pool)({
      connectionString: url,
      types: TYPES,
      max: options.max ?? 10,
      // Fail a query in seconds while the database is unreachable, rather than queue it forever.
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      application_name: "slipway",
      ...(options.lockTimeoutMs ? { lock_timeout: options.lockTimeoutMs } : {}),
      ...(options.idleInTransactionMs
        ? { idle_in_transaction_session_timeout: options.idleInTransactionMs }
        : {}),
    });
    // An idle connection the server dropped emits here; without a listener it would end the process.
    this.pool.on("error", () => undefined);
  }

  async rows<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    if (this.fence && !READ_ONLY_SQL.test(sql)) return this.transaction((tx) => tx.rows<R>(sql, params));
    try {
      return (await this.pool.query(sql, params as unknown[])).rows as R[];
    } catch (error) {
      throw postgresFault(error, this.location);
    }
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    if (this.fence) return this.transaction((tx) => tx.run(sql, params));
    try {
      return (await this.pool.query(sql, params as unknown[])).rowCount ?? 0;
    } catch (error) {
      throw postgresFault(error, this.location);
    }
  }

  /**
   * Runs `work` in one transaction on one connection: committed when it resolves, rolled back
   * when it rejects (its error is rethrown). READ COMMITTED unless `isolation` says otherwise;
   * callers lock what they read-then-write (FOR UPDATE, advisory locks, conditional updates).
   */
  async transaction<T>(
    work: (tx: Queryable) => Promise<T>,
    isolation: "READ COMMITTED" | "REPEATABLE READ" | "SERIALIZABLE" = "READ COMMITTED",
    readOnly = false,
  ): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw postgresFault(error, this.location);
    }
    const location = this.location;
    const tx: Queryable = {
      async rows<R>(sql: string, params: readonly unknown[] = []) {
        return (await client.query(sql, params as unknown[])).rows as R[];
      },
      async run(sql: string, params: readonly unknown[] = []) {
        return (await client.query(sql, params as unknown[])).rowCount ?? 0;
      },
    };
    let broken: unknown;
    try {
      await client.query(`BEGIN ISOLATION LEVEL ${isolation}${readOnly ? " READ ONLY" : ""}`);
      if (this.fence && !readOnly) await checkFence(tx, this.fence);
      const result = await work(tx);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch((rollbackError: unknown) => {
        broken = rollbackError;
      });
      throw postgresFault(error, location);
    } finally {
      // A connection whose ROLLBACK failed is in an unknown state: the pool must not hand it out.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  private closing: Promise<void> | undefined;

  /** Ends every connection; calling it again answers the same promise. */
  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}

/** Fails the transaction unless the lease still carries the fence's epoch (see Fence). */
async function checkFence(tx: Queryable, fence: Fence): Promise<void> {
  const epoch = fence.epoch();
  const held =
    epoch !== undefined &&
    (
      await tx.rows("SELECT 1 FROM control_leases WHERE name = $1 AND epoch = $2 FOR SHARE", [
        fence.lease,
        epoch,
      ])
    ).length === 1;
  if (!held)
    throw new SlipwayError("SLIPWAY_CONFLICT", `${FENCED} (${fence.lease}, epoch ${epoch ?? "none"})`);
}

/** Takes the transaction-scoped advisory lock `key` (see LOCKS): waits while another holds it. */
export async function lock(tx: Queryable, key: readonly [number, number]): Promise<void> {
  await tx.rows("SELECT pg_advisory_xact_lock($1::int, $2::int)", key);
}

/**
 * Applies the pending migrations in one transaction under an advisory lock, so two processes
 * starting on a fresh database do not both apply one; idempotent. PostgreSQL's DDL is
 * transactional: a failing migration leaves the schema as it was. Refuses a database a newer
 * Slipway migrated.
 */
export async function migratePostgres(
  db: PostgresDatabase,
  migrations: readonly Migration[] = POSTGRES_MIGRATIONS,
): Promise<MigrationReport> {
  return db.transaction(async (tx) => {
    await lock(tx, LOCKS.migrate);
    await tx.run(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    );
    const versions = async () =>
      (await tx.rows<{ version: number }>("SELECT version FROM schema_migrations")).map((r) => r.version);
    const applied: MigrationReport["applied"] = [];
    for (const migration of pendingMigrations(await versions(), migrations, db.location)) {
      await tx.run(migration.sql);
      await tx.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
      applied.push({ version: migration.version, name: migration.name });
    }
    return { applied, version: Math.max(0, ...(await versions())) };
  });
}
