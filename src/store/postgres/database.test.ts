import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "../migrations/index.js";
import { migratePostgres, PostgresDatabase, redactUrl } from "./database.js";
import { POSTGRES_MIGRATIONS } from "./migrations.js";
import { openPostgresStore } from "./store.js";
import { postgresStores } from "./test-support.js";

const { freshUrl } = postgresStores("database");
/** Every version this binary knows, oldest first. */
const VERSIONS = POSTGRES_MIGRATIONS.map((m) => m.version);
const NEWEST = Math.max(...VERSIONS);

describe("PostgreSQL migrations", () => {
  it("mirror SQLite's: the same versions and names", () => {
    const shape = (list: typeof MIGRATIONS) => list.map((m) => `${m.version} ${m.name}`);
    expect(shape(POSTGRES_MIGRATIONS)).toEqual(shape(MIGRATIONS));
  });

  it("apply once, report what they applied, and apply nothing the second time", async () => {
    const url = await freshUrl();
    const first = await openPostgresStore(url);
    expect(first.migration.applied.map((m) => m.version)).toEqual(VERSIONS);
    expect(first.migration.version).toBe(NEWEST);
    await first.close();
    const again = await openPostgresStore(url);
    expect(again.migration).toEqual({ applied: [], version: NEWEST });
    await again.close();
  });

  it("apply once when several processes start on a fresh database together", async () => {
    const url = await freshUrl();
    const dbs = [0, 1, 2].map(() => new PostgresDatabase(url, "test"));
    const reports = await Promise.all(dbs.map((db) => migratePostgres(db)));
    expect(reports.flatMap((r) => r.applied)).toHaveLength(POSTGRES_MIGRATIONS.length);
    expect(await dbs[0]?.rows("SELECT version FROM schema_migrations ORDER BY version")).toHaveLength(
      VERSIONS.length,
    );
    await Promise.all(dbs.map((db) => db.close()));
  });

  it("refuse a database a newer Slipway migrated, changing nothing", async () => {
    const url = await freshUrl();
    const db = new PostgresDatabase(url, "postgres://127.0.0.1/x");
    await migratePostgres(db);
    await db.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'now')");
    await expect(openPostgresStore(url)).rejects.toMatchObject({ code: "SLIPWAY_STORE" });
    await expect(openPostgresStore(url)).rejects.toThrow(
      `schema version 99, newer than this slipway knows (${NEWEST})`,
    );
    await db.close();
  });

  it("roll a failing migration back whole", async () => {
    const url = await freshUrl();
    const db = new PostgresDatabase(url, "test");
    const broken = [
      { version: 1, name: "one", sql: "CREATE TABLE one (id INT)" },
      { version: 2, name: "two", sql: "CREATE TABLE two (id INT); SELECT no_such_function()" },
    ];
    await expect(migratePostgres(db, broken)).rejects.toThrow(/no_such_function/);
    expect(await db.rows("SELECT to_regclass('one') AS t")).toEqual([{ t: null }]);
    await db.close();
  });
});

describe("PostgreSQL connection failures", () => {
  it("name the database without its password, as SLIPWAY_STORE_UNAVAILABLE", async () => {
    // A port nothing listens on: refused at once.
    const url = "postgres://slipway:hunter2@127.0.0.1:1/slipway";
    const refusal = openPostgresStore(url);
    await expect(refusal).rejects.toMatchObject({ code: "SLIPWAY_STORE_UNAVAILABLE" });
    await expect(refusal).rejects.toThrow(/postgres:\/\/slipway@127\.0\.0\.1:1\/slipway/);
    await expect(refusal).rejects.not.toThrow(/hunter2/);
    expect(redactUrl("postgresql://u:secret@h:5/d?password=x")).toBe("postgres://u@h:5/d");
  });

  it("say how to create a database that does not exist", async () => {
    const url = new URL(await freshUrl());
    url.pathname = "/slipway_no_such_database";
    await expect(openPostgresStore(url.toString())).rejects.toThrow(
      /does not exist.*createdb slipway_no_such_database/,
    );
  });
});
