import { createReadStream, existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
};

/** Vite names built assets `name-<hash>.ext` under assets/: their content never changes. */
const HASHED = /[-.][A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
export const IMMUTABLE_CACHE = "public, max-age=31536000, immutable";

const MISSING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Slipway — dashboard not built</title></head>
<body>
<h1>The dashboard is not built</h1>
<p>This Slipway server found no <code>web/dist</code>. Build it with <code>npm run build:web</code>
(or <code>node scripts/build-web.mjs</code>) and reload. The API works without it: see
<a href="/api/openapi.json">/api/openapi.json</a>.</p>
</body></html>
`;

/**
 * Serves the built dashboard from `root` (web/dist): files by path with their content type,
 * hashed assets cached for a year, `index.html` never cached and answered for every other path
 * (the single-page app routes on the client). Without `root`, a page saying how to build it (404).
 */
export async function serveDashboard(
  req: IncomingMessage,
  res: ServerResponse,
  root: string | undefined,
): Promise<void> {
  const method = req.method ?? "GET";
  if (method !== "GET" && method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
    res.end("method not allowed\n");
    return;
  }
  const index = root === undefined ? undefined : await fileAt(join(root, "index.html"));
  if (root === undefined || index === undefined) {
    res.writeHead(404, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(method === "HEAD" ? undefined : MISSING_PAGE);
    return;
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
  } catch {
    res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
    res.end("bad path\n");
    return;
  }
  const base = resolve(root);
  const candidate = resolve(base, `.${sep}${normalize(pathname)}`);
  const inside = candidate === base || candidate.startsWith(base + sep);
  const file = inside && !pathname.endsWith("/") ? await fileAt(candidate) : undefined;
  if (file) {
    send(res, method, file, HASHED.test(file.path) && file.path.includes(`${sep}assets${sep}`));
    return;
  }
  // A missing asset is a 404 (a stale tab asking for an old hash must not get HTML as JavaScript).
  if (extname(pathname) !== "" && !pathname.endsWith(".html")) {
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    res.end("not found\n");
    return;
  }
  send(res, method, index, false);
}

async function fileAt(path: string): Promise<{ path: string; size: number } | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? { path, size: info.size } : undefined;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, method: string, file: { path: string; size: number }, immutable: boolean) {
  res.writeHead(200, {
    "content-type": TYPES[extname(file.path).toLowerCase()] ?? "application/octet-stream",
    "content-length": file.size,
    "cache-control": immutable ? IMMUTABLE_CACHE : "no-cache",
    "x-content-type-options": "nosniff",
  });
  if (method === "HEAD") {
    res.end();
    return;
  }
  createReadStream(file.path).pipe(res);
}

/**
 * Where the built dashboard is: SLIPWAY_WEB_DIR, else `web/dist` of the Slipway checkout this code
 * runs from (src/server/ under vitest and tsx, dist/ when bundled). The first whose `web/` exists wins,
 * so a dashboard built after the server started is served on the next request.
 */
export function defaultWebRoot(): string {
  if (process.env.SLIPWAY_WEB_DIR) return resolve(process.env.SLIPWAY_WEB_DIR);
  const candidates = ["../web/dist", "../../web/dist"].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((c) => existsSync(dirname(c))) ?? (candidates[0] as string);
}
