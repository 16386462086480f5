import type { AliasMove, AssetManifest } from "../../core/assets/manifest.js";

/**
 * Static asset bundles (issue 20): the published versions (immutable: a version's manifest never
 * changes once recorded) and the aliases (channels) pointing at them, with every move kept.
 * The files themselves live in the assets directory (src/assets/bundle.ts). Times are ISO 8601.
 */
export interface StoredAssetVersion {
  manifest: AssetManifest;
  publishedAt: string;
  publishedBy: string;
}

export interface StoredAlias {
  name: string;
  alias: string;
  version: string;
  updatedAt: string;
  updatedBy: string;
}

export interface AliasMoveWrite {
  name: string;
  alias: string;
  toVersion: string;
  action: AliasMove["action"];
  actor: string;
  reason: string;
  at: string;
  /**
   * The version the caller saw the alias at (null: absent). When given and the alias points
   * elsewhere now, the move is refused (SLIPWAY_CONFLICT): a rollback never undoes someone else's move.
   */
  expectedFrom?: string | null;
}

export interface AssetStore {
  /**
   * Records a published version. "unchanged" when the same version with the same digest exists;
   * SLIPWAY_CONFLICT when it exists with another digest (a version is never overwritten).
   */
  addVersion(version: StoredAssetVersion): Promise<"created" | "unchanged">;
  getVersion(name: string, version: string): Promise<StoredAssetVersion | undefined>;
  /** A bundle's versions, newest publication first. */
  listVersions(name: string): Promise<StoredAssetVersion[]>;
  /** Every bundle name that has a version, sorted. */
  listNames(): Promise<string[]>;
  /** Aliases of one bundle (or all), sorted by name then alias. */
  listAliases(name?: string): Promise<StoredAlias[]>;
  /**
   * Points an alias at a published version and appends the move to its history, in one
   * transaction. SLIPWAY_NOT_FOUND when the version was never published; undefined (nothing
   * recorded) when the alias already points there.
   */
  moveAlias(move: AliasMoveWrite): Promise<AliasMove | undefined>;
  /** An alias's moves, newest first. */
  aliasHistory(name: string, alias: string, options?: { limit?: number }): Promise<AliasMove[]>;
}

export const ALIAS_HISTORY_LIMIT = 100;
