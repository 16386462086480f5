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
  moveFromRow,
  moveParams,
  unchangedOrConflict,
  versionFromRow,
  versionMissing,
  versionParams,
  type AliasRow,
  type MoveRow,
  type VersionRow,
} from "../rows/asset-rows.js";
import { lock, LOCKS, type PostgresDatabase } from "./database.js";

/**
 * PostgreSQL adapter of the AssetStore port (tables from migration 15). Writes take one advisory
 * lock: an alias that does not exist yet has no row to lock, and move ids then follow commit order.
 */
export class PostgresAssetStore implements AssetStore {
  constructor(private readonly db: PostgresDatabase) {}

  addVersion(version: StoredAssetVersion): Promise<"created" | "unchanged"> {
    return this.db.transaction(async (tx) => {
      await lock(tx, LOCKS.assets);
      const [row] = await tx.rows<{ digest: string }>(
        "SELECT digest FROM asset_versions WHERE name = $1 AND version = $2",
        [version.manifest.name, version.manifest.version],
      );
      if (row) return unchangedOrConflict(version, row.digest);
      await tx.run(
        `INSERT INTO asset_versions (name, version, digest, manifest, published_at, published_by)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        versionParams(version),
      );
      return "created" as const;
    });
  }

  async getVersion(name: string, version: string): Promise<StoredAssetVersion | undefined> {
    const [row] = await this.db.rows<VersionRow>(
      "SELECT * FROM asset_versions WHERE name = $1 AND version = $2",
      [name, version],
    );
    return row && versionFromRow(row);
  }

  async listVersions(name: string): Promise<StoredAssetVersion[]> {
    // published_at has millisecond precision; equal instants fall back to the version text.
    const rows = await this.db.rows<VersionRow>(
      'SELECT * FROM asset_versions WHERE name = $1 ORDER BY published_at DESC, version COLLATE "C" DESC',
      [name],
    );
    return rows.map(versionFromRow);
  }

  async listNames(): Promise<string[]> {
    const rows = await this.db.rows<{ name: string }>(
      'SELECT name FROM asset_versions GROUP BY name ORDER BY name COLLATE "C"',
    );
    return rows.map((r) => r.name);
  }

  async listAliases(name?: string): Promise<StoredAlias[]> {
    const rows =
      name === undefined
        ? await this.db.rows<AliasRow>(
            'SELECT * FROM asset_aliases ORDER BY name COLLATE "C", alias COLLATE "C"',
          )
        : await this.db.rows<AliasRow>(
            'SELECT * FROM asset_aliases WHERE name = $1 ORDER BY alias COLLATE "C"',
            [name],
          );
    return rows.map(aliasFromRow);
  }

  moveAlias(move: AliasMoveWrite): Promise<AliasMove | undefined> {
    return this.db.transaction(async (tx) => {
      await lock(tx, LOCKS.assets);
      const exists = await tx.rows("SELECT 1 FROM asset_versions WHERE name = $1 AND version = $2", [
        move.name,
        move.toVersion,
      ]);
      if (exists.length === 0) throw versionMissing(move);
      const [row] = await tx.rows<{ version: string }>(
        "SELECT version FROM asset_aliases WHERE name = $1 AND alias = $2",
        [move.name, move.alias],
      );
      const from = row?.version ?? null;
      checkExpected(move, from);
      if (from === move.toVersion) return undefined;
      await tx.run(
        `INSERT INTO asset_aliases (name, alias, version, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        [move.name, move.alias, move.toVersion, move.at, move.actor],
      );
      const [inserted] = (await tx.rows<{ id: number }>(
        `INSERT INTO asset_alias_moves (name, alias, from_version, to_version, action, actor, reason, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
        moveParams(move, from),
      )) as [{ id: number }];
      return {
        id: Number(inserted.id),
        name: move.name,
        alias: move.alias,
        fromVersion: from,
        toVersion: move.toVersion,
        action: move.action,
        actor: move.actor,
        reason: move.reason,
        at: move.at,
      };
    });
  }

  async aliasHistory(name: string, alias: string, options: { limit?: number } = {}): Promise<AliasMove[]> {
    const rows = await this.db.rows<MoveRow>(
      "SELECT * FROM asset_alias_moves WHERE name = $1 AND alias = $2 ORDER BY id DESC LIMIT $3",
      [name, alias, options.limit ?? ALIAS_HISTORY_LIMIT],
    );
    return rows.map(moveFromRow);
  }
}
