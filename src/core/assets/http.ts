/**
 * HTTP decisions of static asset serving, pure: content type by extension, Accept-Encoding
 * negotiation over the precompressed copies a file has, If-None-Match matching.
 */

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  cjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  json: "application/json",
  map: "application/json",
  webmanifest: "application/manifest+json",
  txt: "text/plain; charset=utf-8",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  ico: "image/x-icon",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
  wasm: "application/wasm",
  pdf: "application/pdf",
  mp4: "video/mp4",
  webm: "video/webm",
  mp3: "audio/mpeg",
};

export function contentTypeOf(path: string): string {
  const dot = path.lastIndexOf(".");
  const ext = dot === -1 ? "" : path.slice(dot + 1).toLowerCase();
  return TYPES[ext] ?? "application/octet-stream";
}

/** Whether precompressing pays: text formats compress, images and fonts already are. */
export function isCompressible(path: string): boolean {
  const type = contentTypeOf(path);
  return /^text\/|json|xml|svg|javascript|wasm|ttf|otf/.test(type) && !/woff/.test(type);
}

export type Coding = "br" | "gzip" | "identity";

/**
 * The coding to send, from Accept-Encoding (RFC 9110 §12.5.3: q-values, `*`, `identity;q=0`) and
 * the copies available; br before gzip on equal q. Undefined when nothing acceptable is available
 * (identity refused): the caller answers 406.
 */
export function negotiateEncoding(
  header: string | undefined,
  available: readonly Coding[],
): Coding | undefined {
  if (!header) return "identity";
  const q = new Map<string, number>();
  for (const part of header.split(",")) {
    const [token = "", ...params] = part.trim().toLowerCase().split(";");
    if (!token) continue;
    let weight = 1;
    for (const param of params) {
      const [k, v] = param.trim().split("=");
      if (k === "q" && v !== undefined) weight = Number(v);
    }
    q.set(token === "x-gzip" ? "gzip" : token, Number.isFinite(weight) ? weight : 0);
  }
  const star = q.get("*");
  const weightOf = (coding: Coding): number =>
    q.get(coding) ?? (coding === "identity" ? (star === 0 ? 0 : 0.001) : (star ?? 0));
  let best: Coding | undefined;
  let bestQ = 0;
  for (const coding of (["br", "gzip", "identity"] as const).filter((c) => available.includes(c))) {
    const w = weightOf(coding);
    if (w > bestQ) {
      best = coding;
      bestQ = w;
    }
  }
  return best;
}

/** If-None-Match against a strong ETag (weak comparison, as RFC 9110 §13.1.2 asks for this header). */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  const bare = etag.replace(/^W\//, "");
  return header.split(",").some((candidate) => candidate.trim().replace(/^W\//, "") === bare);
}
