import type { IncomingMessage, ServerResponse } from "node:http";
import { flagDocument } from "./core/document.js";
import type { FlagSetDefinition } from "./core/types.js";
import { etagOf, matchesIfNoneMatch } from "./ofrep.js";

/**
 * `GET /api/flags/document`: the whole served flag set as one flagd document (flags, `$evaluators`,
 * metadata), for in-process providers that evaluate with the same evaluator. A strong ETag of the
 * body lets them poll cheaply: `If-None-Match` with the current tag answers 304.
 */
export const FLAG_DOCUMENT_PATH = "/api/flags/document";

export interface FlagDocumentHandlerOptions {
  /**
   * The flag sets being served, read on every request (a reload takes effect at once). Returning
   * the same array again reuses the serialized document and its ETag.
   */
  sets: () => readonly FlagSetDefinition[];
}

/** Returns true when it answered the request, false when the path is not the document's. */
export type FlagDocumentHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

interface Serialized {
  text: string;
  etag: string;
}

export function createFlagDocumentHandler(options: FlagDocumentHandlerOptions): FlagDocumentHandler {
  const cache = new WeakMap<readonly FlagSetDefinition[], Serialized>();
  const serialized = (sets: readonly FlagSetDefinition[]): Serialized => {
    let entry = cache.get(sets);
    if (!entry) {
      const text = JSON.stringify(flagDocument(sets));
      entry = { text, etag: etagOf(text) };
      cache.set(sets, entry);
    }
    return entry;
  };

  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== FLAG_DOCUMENT_PATH) return Promise.resolve(false);
    if (req.method !== "GET" && req.method !== "HEAD") {
      // The API's error shape (src/server/http-io.ts), written here: flags/ must not import server/.
      const text = JSON.stringify({
        error: {
          code: "SLIPWAY_INVALID_ARGUMENT",
          message: `${req.method} is not allowed on ${FLAG_DOCUMENT_PATH}`,
        },
      });
      res.writeHead(405, {
        allow: "GET, HEAD",
        "content-type": "application/json",
        "content-length": Buffer.byteLength(text),
      });
      res.end(text);
      return Promise.resolve(true);
    }
    const { text, etag } = serialized(options.sets());
    // no-cache: intermediaries may store it but must revalidate, which the ETag makes cheap.
    const headers = { etag, "cache-control": "no-cache" };
    if (matchesIfNoneMatch(req.headers["if-none-match"], etag)) {
      res.writeHead(304, headers);
      res.end();
      return Promise.resolve(true);
    }
    res.writeHead(200, {
      ...headers,
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
    });
    res.end(req.method === "HEAD" ? undefined : text);
    return Promise.resolve(true);
  };
}
