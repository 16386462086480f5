import { join } from "node:path";
import { SlipwayError } from "../core/errors.js";
import { rollbackTarget, type AliasMove, type AssetManifest } from "../core/assets/manifest.js";
import { checkAssetAlias, checkAssetName, checkAssetVersion } from "../core/assets/names.js";
import type { AssetStore } from "../store/ports/asset-store.js";
import { writeAliasTable, type AliasTable } from "./alias-file.js";
import { readBundle, storeBundle } from "./bundle.js";

/** `<dataDir>/assets`: where bundles and the alias table live (the proxy's default --assets-dir). */
export const assetsRootOf = (dataDir: string): string => join(dataDir, "assets");

/** An alias move about to happen, as a policy sees it. */
export interface AliasMoveRequest {
  name: string;
  alias: string;
  fromVersion: string | null;
  toVersion: string;
  action: AliasMove["action"];
  actor: string;
  reason: string;
}

/**
 * The policy seam: called once before every alias move (CLI and API, moves and rollbacks alike);
 * throws to refuse. The CLI and the API pass gateAliasMoves (alias-gate.ts): an alias slipway.yaml
 * ties to an environment passes that environment's deploy gate. The default allows all.
 */
export type AliasMoveGate = (move: AliasMoveRequest) => Promise<void>;

export interface AssetServiceOptions {
  store: AssetStore;
  /** The assets directory (assetsRootOf). */
  root: string;
  now?: () => Date;
  gate?: AliasMoveGate;
}

export interface PublishResult {
  status: "created" | "unchanged";
  manifest: AssetManifest;
}

/** Publishing bundles and moving their aliases: the store records, the assets directory serves. */
export class AssetService {
  private readonly now: () => Date;
  private readonly gate: AliasMoveGate;

  constructor(private readonly opts: AssetServiceOptions) {
    this.now = opts.now ?? (() => new Date());
    this.gate = opts.gate ?? (() => Promise.resolve());
  }

  /** Stores DIR as an immutable version (files first, then the record), idempotent for equal content. */
  async publish(dir: string, name: string, version: string, actor: string): Promise<PublishResult> {
    checkAssetName(name);
    checkAssetVersion(version);
    const bundle = readBundle(dir, name, version);
    const onDisk = storeBundle(this.opts.root, bundle);
    const recorded = await this.opts.store.addVersion({
      manifest: bundle.manifest,
      publishedAt: this.now().toISOString(),
      publishedBy: actor,
    });
    return {
      status: onDisk === "created" || recorded === "created" ? "created" : "unchanged",
      manifest: bundle.manifest,
    };
  }

  /** Points `alias` at `version` (gated, recorded with its history), then publishes the alias table. */
  async moveAlias(
    name: string,
    alias: string,
    version: string,
    who: { actor: string; reason: string },
  ): Promise<AliasMove | undefined> {
    checkAssetName(name);
    checkAssetAlias(alias);
    checkAssetVersion(version);
    const current = await this.current(name, alias);
    return this.move({ name, alias, fromVersion: current, toVersion: version, action: "move", ...who });
  }

  /** Returns `alias` to the version it pointed at before its latest move, in one step. */
  async rollback(name: string, alias: string, who: { actor: string; reason: string }): Promise<AliasMove> {
    checkAssetName(name);
    checkAssetAlias(alias);
    const history = await this.opts.store.aliasHistory(name, alias, { limit: 1 });
    const target = rollbackTarget(history);
    const latest = history[0];
    if (!latest || target === undefined)
      throw new SlipwayError(
        "SLIPWAY_CONFLICT",
        latest
          ? `${name} ${alias} was created at ${latest.toVersion} and has no earlier version to return to`
          : `${name} has no alias ${alias}`,
      );
    const moved = await this.move({
      name,
      alias,
      fromVersion: latest.toVersion,
      toVersion: target,
      action: "rollback",
      ...who,
    });
    if (!moved) throw new SlipwayError("SLIPWAY_CONFLICT", `${name} ${alias} is already at ${target}`);
    return moved;
  }

  private async move(request: AliasMoveRequest): Promise<AliasMove | undefined> {
    await this.gate(request);
    const moved = await this.opts.store.moveAlias({
      name: request.name,
      alias: request.alias,
      toVersion: request.toVersion,
      action: request.action,
      actor: request.actor,
      reason: request.reason,
      at: this.now().toISOString(),
      expectedFrom: request.fromVersion,
    });
    await this.syncAliasTable();
    return moved;
  }

  private async current(name: string, alias: string): Promise<string | null> {
    const aliases = await this.opts.store.listAliases(name);
    return aliases.find((a) => a.alias === alias)?.version ?? null;
  }

  /** Rewrites the served alias table from the store (after each move, and at server start). */
  async syncAliasTable(options: { onlyIfAny?: boolean } = {}): Promise<AliasTable> {
    const table: AliasTable = {};
    const aliases = await this.opts.store.listAliases();
    for (const a of aliases) (table[a.name] ??= {})[a.alias] = a.version;
    if (aliases.length > 0 || !options.onlyIfAny) writeAliasTable(this.opts.root, table);
    return table;
  }

  /** A bundle's versions (newest first) and aliases. */
  async describe(name: string): Promise<{
    name: string;
    versions: { version: string; digest: string; files: number; publishedAt: string; publishedBy: string }[];
    aliases: Record<string, string>;
  }> {
    checkAssetName(name);
    const versions = await this.opts.store.listVersions(name);
    if (versions.length === 0) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no asset bundle ${name}`);
    const aliases: Record<string, string> = {};
    for (const a of await this.opts.store.listAliases(name)) aliases[a.alias] = a.version;
    return {
      name,
      versions: versions.map((v) => ({
        version: v.manifest.version,
        digest: v.manifest.digest,
        files: v.manifest.files.length,
        publishedAt: v.publishedAt,
        publishedBy: v.publishedBy,
      })),
      aliases,
    };
  }

  async manifest(name: string, version: string): Promise<AssetManifest> {
    const stored = await this.opts.store.getVersion(checkAssetName(name), checkAssetVersion(version));
    if (!stored) throw new SlipwayError("SLIPWAY_NOT_FOUND", `${name} ${version} was never published`);
    return stored.manifest;
  }

  history(name: string, alias: string): Promise<AliasMove[]> {
    return this.opts.store.aliasHistory(checkAssetName(name), checkAssetAlias(alias));
  }

  listNames(): Promise<string[]> {
    return this.opts.store.listNames();
  }
}
