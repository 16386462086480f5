import { describe, expect, it } from "vitest";
import { releaseStoreContract } from "../contract/release.contract.js";
import { sqliteStores } from "./test-support.js";

const { fresh } = sqliteStores("releases");

releaseStoreContract("sqlite", () => fresh().releases);

describe("SqliteReleaseStore", () => {
  it("lives in the table of migration 3", () => {
    expect(fresh().db.prepare("SELECT version, name FROM schema_migrations WHERE version = 3").get()).toEqual(
      {
        version: 3,
        name: "releases",
      },
    );
  });

  it("has the notes columns of migration 13", () => {
    expect(
      fresh().db.prepare("SELECT version, name FROM schema_migrations WHERE version = 13").get(),
    ).toEqual({
      version: 13,
      name: "release-notes",
    });
  });
});
