import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CompiledFlagSet } from "./core/compile.js";
import { resolveFlag } from "./core/evaluate.js";
import type { EvaluationContext, Resolution } from "./core/types.js";

/**
 * The OpenFeature Remote Evaluation Protocol (OFREP) over node:http, as a handler any server can
 * mount: `POST /ofrep/v1/evaluate/flags/{key}`, `POST /ofrep/v1/evaluate/flags` (bulk, with
 * ETag / If-None-Match) and `GET /ofrep/v1/configuration`. Status codes and bodies follow the
 * protocol's OpenAPI document (open-feature/protocol, service/openapi.yaml); see docs/flags.md.
 */
export interface OfrepHandlerOptions {
  /** The flags to serve, read on every request so a reload takes effect at once. */
  flags: () => CompiledFlagSet;
  /** Feeds `$flagd.timestamp`; injectable for tests. */
  now?: () => number;
  /**
   * The variants running experiments assigned this targeting key, by flag key: answered instead of
   * what the targeting now says, so an allocation change never moves a user already in an experiment.
   */
  sticky?: (targetingKey: string) => Promise<ReadonlyMap<string, string>>;
}

/** Returns true when it answered the request, false when the path is not an OFREP path. */
export type OfrepHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export const OFREP_PREFIX = "/ofrep/v1/";
/** Bodies larger than this are refused with 413: an evaluation context is small. */
export const OFREP_MAX_BODY_BYTES = 1_048_576;
/** What `GET /ofrep/v1/configuration` advertises to static-context providers (bulk polling). */
export const OFREP_MIN_POLLING_INTERVAL_MS = 1_000;

const BULK_PATH = "/ofrep/v1/evaluate/flags";
const SINGLE_PREFIX = "/ofrep/v1/evaluate/flags/";
const CONFIGURATION_PATH = "/ofrep/v1/configuration";

class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readContext(req: IncomingMessage): Promise<EvaluationContext> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > OFREP_MAX_BODY_BYTES)
      throw new BodyError(413, `request body exceeds ${OFREP_MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new BodyError(400, `request body is not JSON: ${(error as Error).message}`);
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new BodyError(400, 'request body must be a JSON object like {"context": {…}}');
  }
  const context = (body as { context?: unknown }).context;
  if (context === undefined || context === null) return {};
  if (typeof context !== "object" || Array.isArray(context)) {
    throw new BodyError(400, "context must be a JSON object");
  }
  return context as EvaluationContext;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** The protocol's evaluationSuccess / evaluationFailure / flagNotFound bodies. */
export function ofrepBody(resolution: Resolution): Record<string, unknown> {
  if (resolution.reason === "ERROR") {
    return { key: resolution.key, errorCode: resolution.errorCode, errorDetails: resolution.errorMessage };
  }
  // value and variant are absent when the caller's default applies (disabled flag, no default
  // variant): the protocol makes `value` optional for exactly that.
  return {
    key: resolution.key,
    reason: resolution.reason,
    ...(resolution.variant !== undefined && { variant: resolution.variant }),
    ...(resolution.value !== undefined && { value: resolution.value }),
    metadata: resolution.flagMetadata,
  };
}

/** A strong ETag of the response bytes: equal bodies, equal tags, whatever changed upstream. */
export function etagOf(text: string): string {
  return `"${createHash("sha1").update(text).digest("base64url")}"`;
}

export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((candidate) => {
    const tag = candidate.trim().replace(/^W\//, "");
    return tag === "*" || tag === etag;
  });
}

export function createOfrepHandler(options: OfrepHandlerOptions): OfrepHandler {
  const now = options.now ?? Date.now;
  return async (req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (!path.startsWith(OFREP_PREFIX)) return false;

    if (path === CONFIGURATION_PATH) {
      if (req.method !== "GET") return methodNotAllowed(res, "GET");
      send(res, 200, {
        name: "slipway",
        capabilities: {
          cacheInvalidation: {
            polling: { enabled: true, minPollingInterval: OFREP_MIN_POLLING_INTERVAL_MS },
          },
          flagEvaluation: { unsupportedTypes: [] },
        },
      });
      return true;
    }

    const isBulk = path === BULK_PATH;
    const key = path.startsWith(SINGLE_PREFIX) ? decodeKey(path.slice(SINGLE_PREFIX.length)) : undefined;
    if (!isBulk && (key === undefined || key === "")) {
      send(res, 404, { errorDetails: `no OFREP route ${path}` });
      return true;
    }
    if (req.method !== "POST") return methodNotAllowed(res, "POST");

    let context: EvaluationContext;
    try {
      context = await readContext(req);
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      if (error.status === 413) send(res, 413, { errorDetails: error.message });
      else
        send(res, 400, {
          ...(key !== undefined && { key }),
          errorCode: "INVALID_CONTEXT",
          errorDetails: error.message,
        });
      return true;
    }

    const flags = options.flags();
    const assigned =
      options.sticky && typeof context.targetingKey === "string" && context.targetingKey !== ""
        ? await options.sticky(context.targetingKey)
        : undefined;
    const resolve = (flagKey: string) =>
      stickyResolution(flags, resolveFlag(flags, flagKey, context, now), assigned);
    if (key !== undefined) {
      const resolution = resolve(key);
      const status =
        resolution.reason !== "ERROR" ? 200 : resolution.errorCode === "FLAG_NOT_FOUND" ? 404 : 400;
      send(res, status, ofrepBody(resolution));
      return true;
    }

    // Bulk: every enabled flag; disabled ones are left out, as flagd's resolveAll does.
    const results: Record<string, unknown>[] = [];
    for (const [flagKey, flag] of flags.flags) {
      if (flag.state === "DISABLED") continue;
      results.push(ofrepBody(resolve(flagKey)));
    }
    const text = JSON.stringify({ flags: results });
    const etag = etagOf(text);
    if (matchesIfNoneMatch(req.headers["if-none-match"], etag)) {
      res.writeHead(304, { etag });
      res.end();
      return true;
    }
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      etag,
    });
    res.end(text);
    return true;
  };
}

/**
 * The resolution with an experiment's first assignment of this user, when one exists and the flag
 * still serves that variant (enabled, variant present); otherwise unchanged. Reason TARGETING_MATCH: the user
 * was put in this variant by the experiment's split when first exposed.
 */
function stickyResolution(
  flags: CompiledFlagSet,
  resolution: Resolution,
  assigned: ReadonlyMap<string, string> | undefined,
): Resolution {
  const variant = assigned?.get(resolution.key);
  if (variant === undefined || resolution.reason === "ERROR" || resolution.reason === "DISABLED")
    return resolution;
  const flag = flags.flags.get(resolution.key);
  if (!flag?.variants.has(variant) || resolution.variant === variant) return resolution;
  return { ...resolution, variant, value: flag.variants.get(variant)!, reason: "TARGETING_MATCH" };
}

function decodeKey(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

function methodNotAllowed(res: ServerResponse, allow: string): true {
  send(res, 405, { errorDetails: `use ${allow}` }, { allow });
  return true;
}
