/**
 * Which store the end-to-end worlds run on: SLIPWAY_TEST_DATABASE unset or `sqlite` → the project's
 * SQLite file, as a user's first `slipway up` does; `postgres` → a fresh, uniquely named database
 * on the test server (SLIPWAY_TEST_POSTGRES, else 127.0.0.1:5432), created for one world and dropped
 * at its end. CI runs the rollout scenarios once each way.
 */
import { createTestDatabase } from "../../src/store/postgres/test-support.js";

export type TestDatabaseKind = "sqlite" | "postgres";

export function testDatabaseKind(): TestDatabaseKind {
  const value = process.env.SLIPWAY_TEST_DATABASE ?? "";
  if (value === "" || value === "sqlite") return "sqlite";
  if (value === "postgres") return "postgres";
  throw new Error(`SLIPWAY_TEST_DATABASE=${JSON.stringify(value)}: expected "sqlite" or "postgres"`);
}

export interface TestDatabase {
  /** A postgres:// URL for `openStore`, `--database` or SLIPWAY_DATABASE. */
  url: string;
  drop(): Promise<void>;
}

/** A new PostgreSQL database when SLIPWAY_TEST_DATABASE=postgres; undefined on SQLite. */
export async function testDatabase(prefix: string): Promise<TestDatabase | undefined> {
  if (testDatabaseKind() !== "postgres") return undefined;
  const created = await createTestDatabase(prefix);
  const url = new URL(created.url);
  // A test database need not survive a crash, and fsyncs are slow on a shared CI machine.
  url.searchParams.set("options", "-c synchronous_commit=off");
  return { url: url.toString(), drop: created.drop };
}

/** SLIPWAY_DATABASE for a spawned `slipway` process: the test database's URL, or nothing on SQLite. */
export function databaseEnv(database: TestDatabase | undefined): Record<string, string> {
  return database ? { SLIPWAY_DATABASE: database.url } : {};
}
