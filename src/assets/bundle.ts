import { createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { SlipwayError } from "../core/errors.js";
import { contentTypeOf, isCompressible, type Coding } from "../core/assets/http.js";
import { digestInput, type AssetFile, type AssetManifest } from "../core/assets/manifest.js";
import { isBundlePath, MANIFEST_FILE } from "../core/assets/names.js";

/**
 * A version's files on disk: `<root>/<name>/<version>/<path>` as published (content-hashed names
 * kept), the precompressed copies under `.br/<path>` and `.gz/<path>` (bundle paths never start
 * with a dot, so they cannot collide), and the SRI manifest as `.manifest.json`. Everything is
 * read-only once the version directory is renamed into place.
 */
export const versionDir = (root: string, name: string, version: string) => join(root, name, version);
export const codingPath = (dir: string, coding: Coding, path: string) =>
  coding === "identity" ? join(dir, path) : join(dir, coding === "br" ? ".br" : ".gz", path);

/** A compressed copy is kept only when it saves at least this share of the bytes. */
const MIN_SAVING = 0.05;

/** Every regular file under dir (hidden ones skipped), '/'-separated and sorted. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      const full = join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push(relative(dir, full).split(sep).join("/"));
      else if (entry.isSymbolicLink())
        throw new SlipwayError(
          "SLIPWAY_INVALID_ARGUMENT",
          `${full}: a symbolic link; a bundle holds regular files only (copy the target in)`,
        );
    }
  };
  walk(dir);
  return out.sort();
}

interface Prepared {
  file: AssetFile;
  bytes: Map<Coding, Buffer>;
}

function prepare(dir: string, path: string): Prepared {
  if (!isBundlePath(path))
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `${join(dir, path)}: not a publishable file name`);
  const body = readFileSync(join(dir, path));
  const bytes = new Map<Coding, Buffer>([["identity", body]]);
  if (isCompressible(path) && body.length > 0) {
    const br = brotliCompressSync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    });
    const gz = gzipSync(body, { level: 9 });
    if (br.length <= body.length * (1 - MIN_SAVING)) bytes.set("br", br);
    if (gz.length <= body.length * (1 - MIN_SAVING)) bytes.set("gzip", gz);
  }
  return {
    file: {
      path,
      size: body.length,
      integrity: `sha384-${createHash("sha384").update(body).digest("base64")}`,
      contentType: contentTypeOf(path),
      encodings: [...bytes.keys()],
    },
    bytes,
  };
}

/** Reads a bundle directory into its manifest and bytes (nothing written). */
export function readBundle(
  dir: string,
  name: string,
  version: string,
): { manifest: AssetManifest; files: Prepared[] } {
  if (!existsSync(dir) || !lstatSync(dir).isDirectory())
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `${dir}: not a directory`);
  const files = listFiles(dir).map((path) => prepare(dir, path));
  if (files.length === 0) throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `${dir}: no files to publish`);
  const list = files.map((f) => f.file);
  const digest = `sha256-${createHash("sha256").update(digestInput(list)).digest("base64")}`;
  return { manifest: { name, version, digest, files: list }, files };
}

export function readManifest(dir: string): AssetManifest | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8")) as AssetManifest;
  } catch {
    return undefined;
  }
}

/**
 * Writes a version into `<root>/<name>/<version>` atomically (a temporary directory renamed into
 * place), files read-only. "unchanged" when the same content is already there; SLIPWAY_CONFLICT
 * when other content is: a published version is never overwritten.
 */
export function storeBundle(root: string, bundle: ReturnType<typeof readBundle>): "created" | "unchanged" {
  const { name, version } = bundle.manifest;
  const target = versionDir(root, name, version);
  const existing = () => {
    const on = readManifest(target);
    if (on?.digest === bundle.manifest.digest) return "unchanged" as const;
    throw new SlipwayError(
      "SLIPWAY_CONFLICT",
      `${name} ${version} is already published with other content (digest ${on?.digest ?? "unreadable"}, this bundle ${bundle.manifest.digest}): versions are immutable, publish a new version`,
    );
  };
  if (existsSync(target)) return existing();
  mkdirSync(join(root, name), { recursive: true });
  const temp = join(root, name, `.tmp-${version}-${randomBytes(6).toString("hex")}`);
  try {
    for (const { file, bytes } of bundle.files) {
      for (const [coding, body] of bytes) {
        const path = codingPath(temp, coding, file.path);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, body, { mode: 0o444 });
      }
    }
    writeFileSync(join(temp, MANIFEST_FILE), `${JSON.stringify(bundle.manifest, null, 2)}\n`, {
      mode: 0o444,
    });
    try {
      renameSync(temp, target);
    } catch (error) {
      // Another publisher renamed first (ENOTEMPTY/EEXIST): same content is fine, other is not.
      if (existsSync(target)) return existing();
      throw error;
    }
    chmodSync(target, 0o555);
    return "created";
  } finally {
    if (existsSync(temp)) rmSync(temp, { recursive: true, force: true });
  }
}
