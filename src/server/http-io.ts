import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { SlipwayError, type ErrorCode } from "../core/errors.js";

/** The HTTP status of every error code; one table so a new code cannot go unanswered. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  SLIPWAY_INVALID_WORKFLOW: 400,
  SLIPWAY_INVALID_CONFIG: 400,
  SLIPWAY_INVALID_FLAGS: 400,
  SLIPWAY_INVALID_ARGUMENT: 400,
  SLIPWAY_UNSUPPORTED: 400,
  SLIPWAY_MISSING_INTERPRETER: 400,
  SLIPWAY_NOT_FOUND: 404,
  SLIPWAY_CONFLICT: 409,
  SLIPWAY_BUILD_FAILED: 422,
  SLIPWAY_UNAVAILABLE: 503,
  SLIPWAY_STORE: 500,
  // 507 Insufficient Storage (RFC 4918): the request may succeed once space is freed.
  SLIPWAY_DISK_FULL: 507,
  SLIPWAY_READ_ONLY: 503,
  SLIPWAY_STORE_CORRUPT: 503,
  SLIPWAY_STORE_UNAVAILABLE: 503,
  SLIPWAY_INTERNAL: 500,
  SLIPWAY_UNAUTHENTICATED: 401,
  SLIPWAY_FORBIDDEN: 403,
  SLIPWAY_RATE_LIMITED: 429,
  SLIPWAY_METRIC_QUERY: 502,
};

/** Largest JSON body the API reads. */
export const MAX_BODY_BYTES = 1_000_000;

/** Validation problems as `path: message` lines, the `problems` of a 400 answer. */
export function problemsOf(error: z.ZodError, root: string): string[] {
  return error.issues.map((i) => `${i.path.join(".") || root}: ${i.message}`);
}

export function invalid(problems: string[]): SlipwayError {
  return new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `invalid request: ${problems.join("; ")}`, {
    problems,
  });
}

/** The request's JSON body; `{}` when empty. Throws SLIPWAY_INVALID_ARGUMENT when too big or not JSON. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", "request body over 1 MB");
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", "request body is not valid JSON");
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  if (status === 204 || status === 304) {
    res.writeHead(status, { ...headers, "cache-control": "no-store" });
    res.end();
    return;
  }
  const text = JSON.stringify(payload);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

/** `{ error: { code, message, problems? } }`, the API's one error shape. */
export function errorBody(code: string, message: string, problems?: string[]) {
  return { error: { code, message, ...(problems ? { problems } : {}) } };
}
