import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { matchesIfNoneMatch, negotiateEncoding } from "../core/assets/http.js";
import { etagOf, type AssetFile, type AssetManifest } from "../core/assets/manifest.js";
import {
  ALIAS_CACHE_CONTROL,
  ASSET_NAME,
  ASSETS_PREFIX,
  MANIFEST_FILE,
  parseAssetPath,
  VERSION_CACHE_CONTROL,
} from "../core/assets/names.js";
import { AliasTableReader } from "./alias-file.js";
import { codingPath, readManifest, versionDir } from "./bundle.js";

/** Files up to this size are kept in memory once read (they never change); beyond, streamed. */
const CACHE_FILE_MAX = 1024 * 1024;
const CACHE_TOTAL_MAX = 64 * 1024 * 1024;
/** `..` (plain or percent-encoded), NUL and backslash, anywhere in the raw path. */
const TRAVERSAL = /\.\.|%2e%2e|%2e\.|\.%2e|%00|\0|\\|%5c/i;

interface LoadedVersion {
  dir: string;
  manifest: AssetManifest;
  files: Map<string, AssetFile>;
  manifestBody: Buffer;
}

export interface AssetOrigin {
  /**
   * Serves `req` when it asks for a published bundle (`/assets/<name>/…` with `<name>` published);
   * false when it does not, so the caller routes it as any other request.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/**
 * The static asset origin: the same code serves bundles in the built-in proxy (in each worker)
 * and, for HAProxy, in the small origin server behind its `slipway_assets` backend.
 * Only files listed in a version's manifest can be served, so no request path reaches any other file.
 */
export function createAssetOrigin(root: string): AssetOrigin {
  const versions = new Map<string, LoadedVersion>();
  const bodies = new Map<string, Buffer>();
  let cached = 0;
  const aliases = new AliasTableReader(root);

  const load = (name: string, version: string): LoadedVersion | undefined => {
    const key = `${name}/${version}`;
    const known = versions.get(key);
    if (known) return known;
    const dir = versionDir(root, name, version);
    const manifest = readManifest(dir);
    if (!manifest) return undefined;
    const loaded: LoadedVersion = {
      dir,
      manifest,
      files: new Map(manifest.files.map((f) => [f.path, f])),
      manifestBody: Buffer.from(JSON.stringify(manifest)),
    };
    versions.set(key, loaded);
    return loaded;
  };

  const body = (path: string, size: number): Buffer | undefined => {
    const hit = bodies.get(path);
    if (hit) return hit;
    if (size > CACHE_FILE_MAX || cached + size > CACHE_TOTAL_MAX) return undefined;
    const read = readFileSync(path);
    bodies.set(path, read);
    cached += read.length;
    return read;
  };

  // A published name stays published (versions are immutable), so only unknown names cost a stat.
  const names = new Set<string>();
  const published = (name: string) => {
    if (names.has(name)) return true;
    try {
      if (!statSync(join(root, name)).isDirectory()) return false;
    } catch {
      return false;
    }
    names.add(name);
    return true;
  };

  return {
    handle(req, res) {
      const url = req.url ?? "/";
      const parsed = parseAssetPath(url);
      if (parsed === undefined) return false;
      if ("bad" in parsed) {
        // A traversal attempt is refused outright; any other odd path is the apps' unless it is
        // under a published bundle name (apps keep their own /assets/… URLs).
        const name = url.slice(ASSETS_PREFIX.length).split("/")[0] ?? "";
        const path = url.split("?")[0] ?? url;
        if (!TRAVERSAL.test(path) && !(ASSET_NAME.test(name) && published(name))) return false;
        plain(res, 400, `bad asset path: ${parsed.bad}`);
        return true;
      }
      if (!published(parsed.name)) return false;
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.setHeader("Allow", "GET, HEAD");
        plain(res, 405, "asset bundles answer GET and HEAD only");
        return true;
      }
      let version: string | undefined;
      let cacheControl = VERSION_CACHE_CONTROL;
      if (parsed.kind === "version") version = parsed.version;
      else {
        version = aliases.current()[parsed.name]?.[parsed.alias];
        cacheControl = ALIAS_CACHE_CONTROL;
      }
      const loaded = version === undefined ? undefined : load(parsed.name, version);
      if (!loaded || version === undefined) {
        plain(
          res,
          404,
          `no ${parsed.kind} ${parsed.kind === "version" ? parsed.version : parsed.alias} of ${parsed.name}`,
        );
        return true;
      }
      res.setHeader("Access-Control-Allow-Origin", "*");
      res.setHeader("Cross-Origin-Resource-Policy", "cross-origin");
      res.setHeader("X-Content-Type-Options", "nosniff");
      res.setHeader("X-Asset-Version", version);
      if (parsed.file === MANIFEST_FILE) {
        const etag = `"m-${loaded.manifest.digest.slice(7, 39).replace(/[+/=]/g, "_")}"`;
        send(req, res, {
          status: 200,
          type: "application/json",
          cacheControl,
          etag,
          body: loaded.manifestBody,
        });
        return true;
      }
      const file = loaded.files.get(parsed.file);
      if (!file) {
        plain(res, 404, `${parsed.name} ${version} has no file ${parsed.file}`);
        return true;
      }
      const coding = negotiateEncoding(header(req, "accept-encoding"), file.encodings);
      res.setHeader("Vary", "Accept-Encoding");
      if (coding === undefined) {
        plain(res, 406, `${parsed.file} is available as ${file.encodings.join(", ")} only`);
        return true;
      }
      const etag = etagOf(file, coding);
      const path = codingPath(loaded.dir, coding, file.path);
      if (coding !== "identity") res.setHeader("Content-Encoding", coding);
      if (parsed.kind === "alias")
        res.setHeader("Content-Location", `/assets/${parsed.name}/${version}/${file.path}`);
      if (matchesIfNoneMatch(header(req, "if-none-match"), etag)) {
        res.writeHead(304, { ETag: etag, "Cache-Control": cacheControl });
        res.end();
        return true;
      }
      const size = coding === "identity" ? file.size : undefined;
      const inMemory = body(path, size ?? statSize(path));
      if (inMemory) {
        send(req, res, { status: 200, type: file.contentType, cacheControl, etag, body: inMemory });
        return true;
      }
      res.writeHead(200, {
        "Content-Type": file.contentType,
        "Content-Length": String(size ?? statSize(path)),
        "Cache-Control": cacheControl,
        ETag: etag,
      });
      if (req.method === "HEAD") res.end();
      else
        createReadStream(path)
          .on("error", () => res.destroy())
          .pipe(res);
      return true;
    },
  };
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
};

const statSize = (path: string): number => (existsSync(path) ? statSync(path).size : 0);

function send(
  req: IncomingMessage,
  res: ServerResponse,
  r: { status: number; type: string; cacheControl: string; etag: string; body: Buffer },
): void {
  res.writeHead(r.status, {
    "Content-Type": r.type,
    "Content-Length": String(r.body.length),
    "Cache-Control": r.cacheControl,
    ETag: r.etag,
  });
  res.end(req.method === "HEAD" ? undefined : r.body);
}

function plain(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
  res.end(`${message}\n`);
}
