import { SlipwayError } from "../errors.js";

/**
 * Names in an asset URL `/assets/<name>/<ref>/<file>`. A version starts with a digit (semver,
 * e.g. 1.4.0 or 2.0.0-rc.1) and an alias (channel) with a letter, so one segment is never both:
 * `/assets/widget/1.4.0/…` is immutable, `/assets/widget/stable/…` follows the alias.
 */
export const ASSET_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const ASSET_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]{1,64})?(?:\+[0-9A-Za-z.-]{1,64})?$/;
export const ASSET_ALIAS = /^[a-z][a-z0-9-]{0,63}$/;

/** Cache lifetimes: a version never changes; an alias may move, so caches ask again after a minute. */
export const VERSION_CACHE_CONTROL = "public, max-age=31536000, immutable";
export const ALIAS_MAX_AGE_SECONDS = 60;
export const ALIAS_CACHE_CONTROL = `public, max-age=${ALIAS_MAX_AGE_SECONDS}`;

/** The URL prefix the data plane serves bundles under. */
export const ASSETS_PREFIX = "/assets/";

/** The SRI manifest of a version, served beside its files (bundle files never start with "."). */
export const MANIFEST_FILE = ".manifest.json";

function check(kind: string, value: string, pattern: RegExp, expected: string): string {
  if (!pattern.test(value))
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `${kind} "${value}" is not valid: expected ${expected}`,
    );
  return value;
}

export const checkAssetName = (value: string) =>
  check(
    "asset name",
    value,
    ASSET_NAME,
    "lower-case letters, digits, '.', '_' or '-' (at most 64), e.g. widget",
  );
export const checkAssetVersion = (value: string) =>
  check("asset version", value, ASSET_VERSION, "a semantic version such as 1.4.0 or 2.0.0-rc.1");
export const checkAssetAlias = (value: string) =>
  check("alias", value, ASSET_ALIAS, "a name starting with a letter: latest, stable, beta, canary-eu…");

/**
 * One relative file path of a bundle: '/'-separated, no empty, "." or ".." segment, no leading dot
 * in any segment (hidden files are not published), no backslash or control character.
 */
export function isBundlePath(path: string): boolean {
  if (path.length === 0 || path.length > 1024) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(path)) return false;
  return path.split("/").every((segment) => segment.length > 0 && !segment.startsWith("."));
}

export type AssetRequest =
  | { kind: "version"; name: string; version: string; file: string }
  | { kind: "alias"; name: string; alias: string; file: string };

/**
 * Reads `/assets/<name>/<ref>/<file>` (query string ignored). Undefined when the path is not under
 * /assets/ at all; `{ bad }` when it is but cannot name a bundle file: an encoded or plain `..`, a
 * NUL, a backslash, a bad percent escape. The file is then looked up in the version's manifest, so
 * only a published file can ever be served whatever the path says.
 */
export function parseAssetPath(rawUrl: string): AssetRequest | { bad: string } | undefined {
  const q = rawUrl.indexOf("?");
  const raw = q === -1 ? rawUrl : rawUrl.slice(0, q);
  if (!raw.startsWith(ASSETS_PREFIX)) return undefined;
  const segments = raw.slice(ASSETS_PREFIX.length).split("/");
  let decoded: string[];
  try {
    decoded = segments.map((s) => decodeURIComponent(s));
  } catch {
    return { bad: "malformed percent-encoding" };
  }
  const [name, ref, ...rest] = decoded;
  if (name === undefined || ref === undefined || rest.length === 0)
    return { bad: "expected /assets/<name>/<version or alias>/<file>" };
  const file = rest.join("/");
  if (!ASSET_NAME.test(name)) return { bad: "not an asset name" };
  if (file === MANIFEST_FILE) {
    // The manifest is the one dotted name served.
  } else if (!isBundlePath(file)) return { bad: "not a bundle file path" };
  if (ASSET_VERSION.test(ref)) return { kind: "version", name, version: ref, file };
  if (ASSET_ALIAS.test(ref)) return { kind: "alias", name, alias: ref, file };
  return { bad: "not a version or alias" };
}
