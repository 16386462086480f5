import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Preview access: a request reaches a chosen revision (even one at weight 0) only with
 * `x-slipway-revision: <token>`, where the token is HMAC-SHA256 of the revision id under the
 * route's preview key. Revision ids are public (response headers, sticky cookie, the dashboard);
 * the key never leaves the control plane and the data plane (any provider verifies the same
 * tokens), so a token cannot be guessed from an id.
 */

/**
 * The request header that pins a request to one revision, even one at weight 0 (preview), when it
 * holds that revision's signed preview token; responses name the revision that served them in it.
 * The same for every data plane provider.
 */
export const REVISION_HEADER = "x-slipway-revision";

/** Bytes of a preview key; base64url in the route table. */
export const PREVIEW_KEY_BYTES = 32;
/** A token is the whole HMAC-SHA256, base64url without padding: 43 characters. */
const PREVIEW_TOKEN_LENGTH = 43;

export function newPreviewKey(): string {
  return randomBytes(PREVIEW_KEY_BYTES).toString("base64url");
}

/** The header value that previews `revisionId` under `key`. */
export function previewToken(key: string, revisionId: string): string {
  return createHmac("sha256", Buffer.from(key, "base64url"))
    .update(`slipway-preview\0${revisionId}`)
    .digest("base64url");
}

/**
 * The revision whose token `presented` is, among `tokens` (revision → its token, made once per
 * route table). Every candidate is compared in constant time, without an early exit, so the time
 * taken does not tell how close a guess was.
 */
export function matchPreviewToken<T>(
  tokens: ReadonlyArray<{ token: Buffer; target: T }>,
  presented: string,
): T | undefined {
  if (presented.length !== PREVIEW_TOKEN_LENGTH) return undefined;
  const given = Buffer.from(presented, "utf8");
  if (given.length !== PREVIEW_TOKEN_LENGTH) return undefined;
  let found: T | undefined;
  for (const { token, target } of tokens) if (timingSafeEqual(token, given)) found = target;
  return found;
}
