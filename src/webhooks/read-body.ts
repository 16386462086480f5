import { createHmac, timingSafeEqual, type Hmac } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { SIGNATURE_HEADER } from "./signature.js";

/**
 * Largest delivery read by default. GitHub caps payloads at 25 MB, but a push lists at most 2048
 * commits and real deliveries stay far below 1 MB; 5 MB leaves room for huge pushes while bounding
 * what an unsigned sender can make the server hold. Set SLIPWAY_WEBHOOK_MAX_BYTES to change it.
 */
const DEFAULT_WEBHOOK_MAX_BYTES = 5 * 1024 * 1024;
/** Deliveries read at once by default; more are answered 503 (SLIPWAY_WEBHOOK_MAX_CONCURRENT). */
const DEFAULT_WEBHOOK_MAX_CONCURRENT = 4;
const WEBHOOK_MAX_BYTES_ENV = "SLIPWAY_WEBHOOK_MAX_BYTES";
const WEBHOOK_MAX_CONCURRENT_ENV = "SLIPWAY_WEBHOOK_MAX_CONCURRENT";

interface WebhookLimits {
  maxBytes: number;
  maxConcurrent: number;
}

/** The limits from the server's environment; a value that is not a positive integer is refused. */
export function webhookLimitsFrom(env: Readonly<Record<string, string | undefined>>): WebhookLimits {
  const read = (name: string, fallback: number) => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`${name} must be a positive whole number, got "${raw}"`);
    }
    return value;
  };
  return {
    maxBytes: read(WEBHOOK_MAX_BYTES_ENV, DEFAULT_WEBHOOK_MAX_BYTES),
    maxConcurrent: read(WEBHOOK_MAX_CONCURRENT_ENV, DEFAULT_WEBHOOK_MAX_CONCURRENT),
  };
}

type SignedBody =
  { ok: true; body: Buffer } | { ok: false; status: 400 | 401 | 413; reason: string; bytesRead: number };

const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * Reads a delivery's body while checking its signature, so a sender without the secret costs
 * almost nothing: a missing or malformed signature, or a declared length over `maxBytes`, is
 * refused before any byte of the body is read; the HMAC (one per secret, for rotation) is updated
 * chunk by chunk and reading stops the moment `maxBytes` is passed. At most `maxBytes` is held.
 * The caller answers a refusal with `connection: close`, so the rest is never read.
 */
export async function readSignedBody(
  req: IncomingMessage,
  secrets: readonly string[],
  maxBytes: number,
): Promise<SignedBody> {
  const header = req.headers[SIGNATURE_HEADER];
  const presented = SIGNATURE.exec((Array.isArray(header) ? header[0] : header)?.trim() ?? "")?.[1];
  if (presented === undefined) {
    return {
      ok: false,
      status: 401,
      reason: `the ${SIGNATURE_HEADER} header is missing or not sha256=<64 hex digits>`,
      bytesRead: 0,
    };
  }
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return tooLarge(maxBytes, 0);
  // An unset secret must never verify an empty HMAC key.
  const hmacs: Hmac[] = secrets.filter((s) => s !== "").map((secret) => createHmac("sha256", secret));
  const read = await readUpTo(req, maxBytes, (chunk) => {
    for (const hmac of hmacs) hmac.update(chunk);
  });
  if (read.kind === "over") return tooLarge(maxBytes, read.size);
  if (read.kind === "cut") {
    return {
      ok: false,
      status: 400,
      reason: "the sender closed the connection mid-body",
      bytesRead: read.size,
    };
  }
  const { chunks, size } = read;
  const wanted = Buffer.from(presented, "hex");
  let ok = false;
  // No early exit: every secret is tried so timing does not say which one matched.
  for (const hmac of hmacs) if (timingSafeEqual(hmac.digest(), wanted)) ok = true;
  if (!ok) {
    return {
      ok: false,
      status: 401,
      reason: "the signature does not match the body under the configured secret",
      bytesRead: size,
    };
  }
  return { ok: true, body: Buffer.concat(chunks, size) };
}

function tooLarge(maxBytes: number, bytesRead: number): SignedBody {
  return {
    ok: false,
    status: 413,
    reason: `the delivery is over ${maxBytes} bytes (${WEBHOOK_MAX_BYTES_ENV})`,
    bytesRead,
  };
}

type Read =
  | { kind: "all"; chunks: Buffer[]; size: number }
  | { kind: "over"; size: number }
  | { kind: "cut"; size: number };

/**
 * The body up to `maxBytes`, or "over" as soon as it passes them. Events, not `for await`: leaving
 * an async iterator early destroys the request and with it the socket, and the client would get a
 * reset instead of the 413. Paused here, the rest stays unread until the 413 closes the connection.
 */
function readUpTo(req: IncomingMessage, maxBytes: number, onChunk: (chunk: Buffer) => void): Promise<Read> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onCut);
      req.off("close", onCut);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        stop();
        req.pause();
        resolve({ kind: "over", size });
        return;
      }
      onChunk(chunk);
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve({ kind: "all", chunks, size });
    };
    // The sender went away before the end: nothing to answer, but the slot must be given back.
    const onCut = () => {
      stop();
      resolve({ kind: "cut", size });
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onCut);
    req.on("close", onCut);
  });
}
