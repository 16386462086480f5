import type { Coding } from "./http.js";

/** One file of a published bundle, as its SRI manifest lists it. */
export interface AssetFile {
  /** Path inside the bundle, '/'-separated (content-hashed names are kept as given). */
  path: string;
  size: number;
  /** Subresource Integrity value: `sha384-<base64>` of the file's bytes. */
  integrity: string;
  contentType: string;
  /** Precompressed copies stored beside it (identity is always there). */
  encodings: Coding[];
}

/** A version's SRI manifest: printed by `slipway assets publish`, served as `.manifest.json`. */
export interface AssetManifest {
  name: string;
  version: string;
  /** sha256 over the sorted (path, integrity) pairs: equal bundles have equal digests. */
  digest: string;
  files: AssetFile[];
}

/** The text the bundle digest is computed over (the caller hashes it: core does no crypto I/O). */
export const digestInput = (files: readonly Pick<AssetFile, "path" | "integrity">[]): string =>
  [...files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => `${f.path}\0${f.integrity}\n`)
    .join("");

/** A file's strong ETag for one coding: its integrity hash (shortened) plus the coding. */
export function etagOf(file: Pick<AssetFile, "integrity">, coding: Coding): string {
  const hash = file.integrity
    .slice("sha384-".length, "sha384-".length + 32)
    .replace(/[+/=]/g, (c) => (c === "+" ? "-" : c === "/" ? "_" : ""));
  return coding === "identity" ? `"${hash}"` : `"${hash}-${coding === "gzip" ? "gz" : "br"}"`;
}

/** Which alias moved where and why, as the history lists it. */
export interface AliasMove {
  /** Increasing over all aliases. */
  id: number;
  name: string;
  alias: string;
  /** null when the alias was created by this move. */
  fromVersion: string | null;
  toVersion: string;
  action: "move" | "rollback";
  actor: string;
  reason: string;
  at: string;
}

/**
 * The version a rollback returns an alias to: the one it pointed at before its latest move. A
 * rollback is a move too, so two rollbacks in a row swap back and forth, as an undo/redo pair.
 */
export function rollbackTarget(history: readonly AliasMove[]): string | undefined {
  const latest = history[0];
  return latest?.fromVersion ?? undefined;
}
