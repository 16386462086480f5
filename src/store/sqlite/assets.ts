import type { AliasMove } from "../../core/assets/manifest.js";
import {
  ALIAS_HISTORY_LIMIT,
  type AliasMoveWrite,
  type AssetStore,
  type StoredAlias,
  type StoredAssetVersion,
} from "../ports/asset-store.js";
import {
  aliasFromRow,
  checkExpected,
  unchangedOrConflict,
  versionMissing,
  moveFromRow,
  moveParams,
  versionFromRow,
  versionParams,
  type AliasRow,
  type MoveRow,
  type VersionRow,
} from "../rows/asset-rows.js";
import { settle, type SqliteDatabase } from "./database.js";

/** SQLite adapter of the AssetStore port (tables from migration 015). */
export class SqliteAssetStore implements AssetStore {
  constructor(private readonly db: SqliteDatabase) {}

  addVersion(version: StoredAssetVersion): Promise<"created" | "unchanged"> {
    return settle(() =>
      this.db
        .transaction(() => {
          const row = this.db
            .prepare("SELECT digest FROM asset_versions WHERE name = ? AND version = ?")
            .get(version.manifest.name, version.manifest.version) as { digest: string } | undefined;
          if (row) return unchangedOrConflict(version, row.digest);
          this.db
            .prepare(
              `INSERT INTO asset_versions (name, version, digest, manifest, published_at, published_by)
               VALUES (?, ?, ?, ?, ?, ?)`,
            )
            .run(...versionParams(version));
          return "created" as const;
        })
        .immediate(),
    );
  }

  getVersion(name: string, version: string): Promise<StoredAssetVersion | undefined> {
    return settle(() => {
      const row = this.db
        .prepare("SELECT * FROM asset_versions WHERE name = ? AND version = ?")
        .get(name, version) as VersionRow | undefined;
      return row && versionFromRow(row);
    });
  }

  listVersions(name: string): Promise<StoredAssetVersion[]> {
    return settle(() =>
      (
        this.db
          .prepare("SELECT * FROM asset_versions WHERE name = ? ORDER BY published_at DESC, rowid DESC")
          .all(name) as VersionRow[]
      ).map(versionFromRow),
    );
  }

  listNames(): Promise<string[]> {
    return settle(() =>
      (
        this.db.prepare("SELECT DISTINCT name FROM asset_versions ORDER BY name").all() as { name: string }[]
      ).map((r) => r.name),
    );
  }

  listAliases(name?: string): Promise<StoredAlias[]> {
    return settle(() =>
      (
        (name === undefined
          ? this.db.prepare("SELECT * FROM asset_aliases ORDER BY name, alias").all()
          : this.db
              .prepare("SELECT * FROM asset_aliases WHERE name = ? ORDER BY alias")
              .all(name)) as AliasRow[]
      ).map(aliasFromRow),
    );
  }

  moveAlias(move: AliasMoveWrite): Promise<AliasMove | undefined> {
    return settle(() => this.db.transaction(() => this.moveNow(move)).immediate());
  }

  private moveNow(move: AliasMoveWrite): AliasMove | undefined {
    const exists = this.db
      .prepare("SELECT 1 FROM asset_versions WHERE name = ? AND version = ?")
      .get(move.name, move.toVersion);
    if (!exists) throw versionMissing(move);
    const row = this.db
      .prepare("SELECT version FROM asset_aliases WHERE name = ? AND alias = ?")
      .get(move.name, move.alias) as { version: string } | undefined;
    const from = row?.version ?? null;
    checkExpected(move, from);
    if (from === move.toVersion) return undefined;
    this.db
      .prepare(
        `INSERT INTO asset_aliases (name, alias, version, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(move.name, move.alias, move.toVersion, move.at, move.actor);
    const inserted = this.db
      .prepare(
        `INSERT INTO asset_alias_moves (name, alias, from_version, to_version, action, actor, reason, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(...moveParams(move, from));
    return {
      id: Number(inserted.lastInsertRowid),
      name: move.name,
      alias: move.alias,
      fromVersion: from,
      toVersion: move.toVersion,
      action: move.action,
      actor: move.actor,
      reason: move.reason,
      at: move.at,
    };
  }

  aliasHistory(name: string, alias: string, options: { limit?: number } = {}): Promise<AliasMove[]> {
    return settle(() =>
      (
        this.db
          .prepare("SELECT * FROM asset_alias_moves WHERE name = ? AND alias = ? ORDER BY id DESC LIMIT ?")
          .all(name, alias, options.limit ?? ALIAS_HISTORY_LIMIT) as MoveRow[]
      ).map(moveFromRow),
    );
  }
}
