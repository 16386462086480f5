import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "./index.js";
import { postgresStores } from "./postgres/test-support.js";
import { sqliteStores } from "./sqlite/test-support.js";

const { dir } = sqliteStores("open-store");
const postgres = postgresStores("open_store");

describe("openStore", () => {
  it("opens SQLite from a plain path or a sqlite: URL, and the state survives a reopen", async () => {
    const path = join(dir, "nested", "slipway.db");
    const first = await openStore(path);
    expect(first.location).toBe(`sqlite:${path}`);
    await first.rollouts.recordEvent({ actor: "alice", type: "deploy.noop", message: "nothing to do" });
    await first.close();
    expect(existsSync(path)).toBe(true);
    for (const url of [`sqlite:${path}`, `sqlite://${path}`]) {
      const again = await openStore(url);
      expect((await again.rollouts.events()).map((e) => e.message)).toEqual(["nothing to do"]);
      await again.close();
    }
  });

  it("opens PostgreSQL from a postgres:// or postgresql:// URL, without the password in its location", async () => {
    const url = new URL(await postgres.freshUrl());
    url.password = "unused-with-trust-auth";
    const first = await openStore(url.toString());
    expect(first.location).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:5432\/slipway_test_open_store_/);
    expect(first.location).not.toContain("unused-with-trust-auth");
    await first.rollouts.recordEvent({ actor: "alice", type: "deploy.noop", message: "nothing to do" });
    await first.close();
    const again = await openStore(url.toString().replace(/^postgres:/, "postgresql:"));
    expect((await again.rollouts.events()).map((e) => e.message)).toEqual(["nothing to do"]);
    await again.check();
    await again.close();
  });

  it("opens a throwaway SQLite store at sqlite::memory:", async () => {
    const store = await openStore("sqlite::memory:");
    expect(await store.runs.listRuns()).toEqual([]);
    await store.close();
  });

  it("refuses an unknown scheme with SLIPWAY_STORE, naming the scheme but never the rest of the URL", async () => {
    const refusal = openStore("mysql://slipway:hunter2@db.internal/slipway");
    await expect(refusal).rejects.toMatchObject({ code: "SLIPWAY_STORE" });
    await expect(refusal).rejects.toThrow(/scheme "mysql:".*postgres:\/\/user@host\/database, sqlite:<path>/);
    await expect(refusal).rejects.not.toThrow(/hunter2/);
    await expect(openStore("sqlite:")).rejects.toMatchObject({ code: "SLIPWAY_STORE" });
  });
});
