import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll } from "vitest";
import { openPostgresStore, type PostgresStore } from "./store.js";

/**
 * The PostgreSQL server the tests use: SLIPWAY_TEST_POSTGRES (a URL of a database the test user
 * may CREATE DATABASE from), else the local server with trust auth, as on the CI machines.
 */
export const TEST_POSTGRES_URL =
  process.env.SLIPWAY_TEST_POSTGRES ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** `base` with its database replaced by `name`. */
export function databaseUrl(name: string, base = TEST_POSTGRES_URL): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty, uniquely named database; answers its URL and how to drop it. */
export async function createTestDatabase(
  prefix: string,
): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `slipway_test_${prefix.replace(/[^a-z0-9]/gi, "_").toLowerCase()}_${process.pid}_${randomBytes(4).toString("hex")}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  return {
    url: databaseUrl(name),
    name,
    drop: () =>
      admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/**
 * Fresh PostgreSQL stores for one test file: one new database, dropped after the file, and an
 * empty schema of it for each `fresh()` (a new database each time costs seconds: CREATE DATABASE
 * checkpoints). `reopen(store)` opens another store on the same schema (a restart, a second server).
 */
export function postgresStores(prefix: string): {
  fresh: () => Promise<PostgresStore>;
  reopen: (store: PostgresStore) => Promise<PostgresStore>;
  /** A URL of an empty schema of the file's database (for stores opened some other way). */
  freshUrl: () => Promise<string>;
} {
  const open: PostgresStore[] = [];
  let database: Promise<{ url: string; drop: () => Promise<void> }> | undefined;
  const urls = new WeakMap<PostgresStore, string>();
  afterAll(async () => {
    for (const store of open.splice(0)) await store.close();
    if (database) await (await database).drop();
  }, 60_000);
  let n = 0;
  const freshUrl = async () => {
    database ??= createTestDatabase(prefix);
    const { url } = await database;
    const schema = `s${n++}`;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.end();
    const withSchema = new URL(url);
    // synchronous_commit off: a test database need not survive a crash, and fsyncs are slow here.
    withSchema.searchParams.set("options", `-c search_path=${schema} -c synchronous_commit=off`);
    return withSchema.toString();
  };
  const openAt = async (url: string) => {
    const store = await openPostgresStore(url, { max: 4 });
    urls.set(store, url);
    open.push(store);
    return store;
  };
  return {
    freshUrl,
    fresh: async () => openAt(await freshUrl()),
    reopen: (store) => openAt(urls.get(store) as string),
  };
}
