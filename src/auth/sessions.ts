import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Dashboard sessions. The cookie holds 256 random bits; the Store keeps only their SHA-256, so a
 * copy of the database does not hand out live sessions. Each session also gets a CSRF token (the
 * synchronizer pattern): the dashboard reads it from the sign-in answer and sends it back in the
 * `x-slipway-csrf` header on every mutating request.
 */
export const SESSION_COOKIE = "slipway_session";
/** With Secure, the `__Host-` prefix makes browsers refuse the cookie unless it is host-only, on `/`. */
export const SECURE_SESSION_COOKIE = "__Host-slipway_session";
export const CSRF_HEADER = "x-slipway-csrf";

export interface NewSession {
  /** Goes in the cookie only. */
  sessionId: string;
  /** What the Store keys the session by. */
  idHash: string;
  csrfToken: string;
}

export function newSession(): NewSession {
  const sessionId = randomBytes(32).toString("base64url");
  return { sessionId, idHash: hashSessionId(sessionId), csrfToken: randomBytes(32).toString("base64url") };
}

export function hashSessionId(sessionId: string): string {
  return createHash("sha256").update(sessionId, "utf8").digest("hex");
}

export interface CookieOptions {
  /** Set when the dashboard is served over https (directly or behind a TLS-terminating proxy). */
  secure: boolean;
  maxAgeSeconds: number;
}

/** The `Set-Cookie` value for a new session: HttpOnly, SameSite=Strict, Path=/, Secure on https. */
export function sessionCookie(sessionId: string, options: CookieOptions): string {
  const name = options.secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  const parts = [
    `${name}=${sessionId}`,
    "Path=/",
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    "HttpOnly",
    "SameSite=Strict",
  ];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

/** The `Set-Cookie` value that signs the browser out. */
export function clearSessionCookie(options: { secure: boolean }): string {
  return sessionCookie("", { secure: options.secure, maxAgeSeconds: 0 });
}

/** Cookie header → name/value map; malformed pairs are skipped, the first of duplicate names wins. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (name && !cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

/** The session id from a Cookie header (either cookie name), or undefined. */
export function readSessionCookie(header: string | undefined): string | undefined {
  const cookies = parseCookies(header);
  const value = cookies.get(SECURE_SESSION_COOKIE) ?? cookies.get(SESSION_COOKIE);
  return value ? value : undefined;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Cookie-authenticated requests with side effects must carry the CSRF token; bearer tokens need not. */
export function needsCsrfCheck(method: string, via: "session" | "token" | "anonymous"): boolean {
  return via === "session" && !SAFE_METHODS.has(method.toUpperCase());
}

/** Constant-time comparison of the header's CSRF token with the session's. */
export function verifyCsrfToken(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(presented, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}
