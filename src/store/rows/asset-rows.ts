import { SlipwayError } from "../../core/errors.js";
import type { AliasMove, AssetManifest } from "../../core/assets/manifest.js";
import type { AliasMoveWrite, StoredAlias, StoredAssetVersion } from "../ports/asset-store.js";

// Rows of `asset_versions`, `asset_aliases` and `asset_alias_moves` (migration 015), as both adapters read them.

export interface VersionRow {
  name: string;
  version: string;
  digest: string;
  manifest: string;
  published_at: string;
  published_by: string;
}

export interface AliasRow {
  name: string;
  alias: string;
  version: string;
  updated_at: string;
  updated_by: string;
}

export interface MoveRow {
  id: number;
  name: string;
  alias: string;
  from_version: string | null;
  to_version: string;
  action: AliasMove["action"];
  actor: string;
  reason: string;
  at: string;
}

export const versionFromRow = (row: VersionRow): StoredAssetVersion => ({
  manifest: JSON.parse(row.manifest) as AssetManifest,
  publishedAt: row.published_at,
  publishedBy: row.published_by,
});

/** name, version, digest, manifest, published_at, published_by */
export const versionParams = (v: StoredAssetVersion): unknown[] => [
  v.manifest.name,
  v.manifest.version,
  v.manifest.digest,
  JSON.stringify(v.manifest),
  v.publishedAt,
  v.publishedBy,
];

export const aliasFromRow = (row: AliasRow): StoredAlias => ({
  name: row.name,
  alias: row.alias,
  version: row.version,
  updatedAt: row.updated_at,
  updatedBy: row.updated_by,
});

export const moveFromRow = (row: MoveRow): AliasMove => ({
  id: Number(row.id),
  name: row.name,
  alias: row.alias,
  fromVersion: row.from_version,
  toVersion: row.to_version,
  action: row.action,
  actor: row.actor,
  reason: row.reason,
  at: row.at,
});

/** name, alias, from_version, to_version, action, actor, reason, at */
export const moveParams = (m: AliasMoveWrite, from: string | null): unknown[] => [
  m.name,
  m.alias,
  from,
  m.toVersion,
  m.action,
  m.actor,
  m.reason,
  m.at,
];

export function unchangedOrConflict(version: StoredAssetVersion, storedDigest: string): "unchanged" {
  if (storedDigest === version.manifest.digest) return "unchanged";
  throw new SlipwayError(
    "SLIPWAY_CONFLICT",
    `${version.manifest.name} ${version.manifest.version} is already published with other content ` +
      `(digest ${storedDigest}, this bundle ${version.manifest.digest}): versions are immutable, publish a new version`,
  );
}

export const versionMissing = (move: AliasMoveWrite) =>
  new SlipwayError("SLIPWAY_NOT_FOUND", `${move.name} ${move.toVersion} was never published`);

export function checkExpected(move: AliasMoveWrite, from: string | null): void {
  if (move.expectedFrom !== undefined && move.expectedFrom !== from)
    throw new SlipwayError(
      "SLIPWAY_CONFLICT",
      `${move.name} ${move.alias} moved meanwhile (now ${from ?? "unset"}, expected ${move.expectedFrom ?? "unset"}): look at its history and try again`,
    );
}
