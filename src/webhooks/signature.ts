import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * GitHub signs each delivery with HMAC-SHA256 of the raw request body under the webhook secret and
 * sends `X-Hub-Signature-256: sha256=<hex>`. The body must be the exact bytes received: parsing and
 * re-serialising JSON changes them.
 */
export const SIGNATURE_HEADER = "x-hub-signature-256";
const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

export type SignatureCheck = { ok: true } | { ok: false; reason: "missing" | "malformed" | "mismatch" };

export function signGitHubPayload(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * Verifies `header` against `body` under any of `secrets` (several, so a secret can be rotated
 * without dropping deliveries). Comparison is constant-time over the 32-byte digests.
 */
export function verifyGitHubSignature(
  secrets: string | readonly string[],
  body: Buffer | string,
  header: string | undefined,
): SignatureCheck {
  if (header === undefined || header.trim() === "") return { ok: false, reason: "missing" };
  const match = SIGNATURE.exec(header.trim());
  if (!match?.[1]) return { ok: false, reason: "malformed" };
  const presented = Buffer.from(match[1], "hex");
  const candidates = typeof secrets === "string" ? [secrets] : secrets;
  let ok = false;
  for (const secret of candidates) {
    if (secret === "") continue; // an unset secret must never verify an empty HMAC key
    const expected = createHmac("sha256", secret).update(body).digest();
    // No early exit: every secret is tried so timing does not say which one matched.
    if (timingSafeEqual(expected, presented)) ok = true;
  }
  return ok ? { ok: true } : { ok: false, reason: "mismatch" };
}
