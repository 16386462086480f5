import { describe, expect, it } from "vitest";
import { releaseStoreContract } from "../contract/release.contract.js";
import { postgresStores } from "./test-support.js";

const { fresh } = postgresStores("releases");

releaseStoreContract("postgres", async () => (await fresh()).releases);

describe("PostgresReleaseStore", () => {
  it("lives in the table of migration 3", async () => {
    const store = await fresh();
    expect(await store.db.rows("SELECT version, name FROM schema_migrations WHERE version = 3")).toEqual([
      { version: 3, name: "releases" },
    ]);
  });

  it("has the notes columns of migration 13", async () => {
    const store = await fresh();
    expect(await store.db.rows("SELECT version, name FROM schema_migrations WHERE version = 13")).toEqual([
      { version: 13, name: "release-notes" },
    ]);
  });
});
