import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "./index.js";
import { sqliteStores } from "./sqlite/test-support.js";

const { dir } = sqliteStores("open-store");

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

  it("opens a throwaway SQLite store at sqlite::memory:", async () => {
    const store = await openStore("sqlite::memory:");
    expect(await store.runs.listRuns()).toEqual([]);
    await store.close();
  });

  it("refuses an unknown scheme with SLIPWAY_STORE, naming the scheme but never the rest of the URL", async () => {
    const refusal = openStore("postgres://slipway:hunter2@db.internal/slipway");
    await expect(refusal).rejects.toMatchObject({ code: "SLIPWAY_STORE" });
    await expect(refusal).rejects.toThrow(/scheme "postgres:".*sqlite:<path>/);
    await expect(refusal).rejects.not.toThrow(/hunter2/);
    await expect(openStore("sqlite:")).rejects.toMatchObject({ code: "SLIPWAY_STORE" });
  });
});
