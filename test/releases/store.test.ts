import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Release } from "../../src/releases/index.js";
import { openSqlite } from "../../src/store/sqlite/database.js";
import { SqliteReleaseStore } from "../../src/store/sqlite/releases.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const release = (
  service: string,
  version: string,
  createdAt: string,
  extra: Partial<Release> = {},
): Release => ({
  service,
  version,
  ref: "HEAD",
  commit: "a".repeat(40),
  digest: null,
  status: "building",
  dir: `/data/releases/${service}/${version}`,
  buildLog: `/data/releases/${service}/${version}.build.log`,
  createdAt,
  ...extra,
});

describe("SqliteReleaseStore", () => {
  it("keeps one record per service and version, replaced by the next attempt", () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-release-store-"));
    dirs.push(dir);
    const db = openSqlite(join(dir, "slipway.db"));
    const store = new SqliteReleaseStore(db);
    expect(db.prepare("SELECT version, name FROM schema_migrations WHERE version = 3").get()).toEqual({
      version: 3,
      name: "releases",
    });

    store.saveRelease(release("web", "v1", "2026-11-25T10:00:00.000Z"));
    const failed = release("web", "v1", "2026-11-25T10:00:00.000Z", {
      status: "failed",
      error: "build failed (exit 2): oops",
      exitCode: 2,
      finishedAt: "2026-11-25T10:01:00.000Z",
    });
    store.saveRelease(failed);
    expect(store.getRelease("web", "v1")).toEqual(failed);

    const built = release("web", "v2", "2026-11-25T11:00:00.000Z", {
      status: "built",
      digest: `sha256:${"0".repeat(64)}`,
      commit: null,
      ref: "working-tree",
    });
    store.saveRelease(built);
    store.saveRelease(release("api", "v1", "2026-11-25T12:00:00.000Z"));

    expect(store.listReleases("web").map((r) => r.version)).toEqual(["v2", "v1"]);
    expect(store.listReleases().map((r) => `${r.service}@${r.version}`)).toEqual([
      "api@v1",
      "web@v2",
      "web@v1",
    ]);
    expect(store.getRelease("web", "v2")).toEqual(built);
    expect(store.getRelease("web", "v3")).toBeUndefined();
    db.close();
  });
});
