import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * API tokens look like `slp_3f9c0a1b2c4d_<43 chars>`: a fixed prefix so secret scanners and people
 * recognise them, a public id used to find the record and to name the token in logs and the
 * dashboard, and 256 random bits. Only the SHA-256 of the whole token is stored: the secret has
 * full entropy, so a slow hash (scrypt) would add nothing but latency on every request.
 */
export const TOKEN_PREFIX = "slp_";
const TOKEN_PATTERN = /^slp_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedToken {
  /** The token to show once to its owner; never stored or logged. */
  token: string;
  /** Public id, safe to log and display (`slp_<id>`). */
  id: string;
  /** Hex SHA-256 of `token`, what the Store keeps. */
  hash: string;
}

export function generateApiToken(): GeneratedToken {
  const id = randomBytes(6).toString("hex");
  const token = `${TOKEN_PREFIX}${id}_${randomBytes(32).toString("base64url")}`;
  return { token, id, hash: hashApiToken(token) };
}

export function hashApiToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** The public id inside a well-formed token, or undefined for anything else. */
export function parseApiToken(token: string): { id: string } | undefined {
  const match = TOKEN_PATTERN.exec(token);
  return match?.[1] ? { id: match[1] } : undefined;
}

/** Compares `presented` with a stored hash in constant time (both sides are 32-byte digests). */
export function verifyApiToken(presented: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, "hex");
  const actual = createHash("sha256").update(presented, "utf8").digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** How a token is named where its secret must not appear: `slp_3f9c0a1b2c4d…`. */
export function displayTokenId(id: string): string {
  return `${TOKEN_PREFIX}${id}…`;
}

/** The bearer credential in an `Authorization` header, or undefined when there is none. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}
