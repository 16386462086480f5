/**
 * The little of RFC 6265 the router needs: find one cookie in a request's Cookie header, and write
 * one Set-Cookie line. No map of all cookies is built: the header is scanned once for one name.
 */

/** RFC 9110 token characters: what header and cookie names may be made of. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The value of cookie `name` in a Cookie header ("a=1; b=2"), or undefined. Tolerates missing or
 * extra spaces and tabs around names and values, drops surrounding double quotes, takes the first
 * of repeated names (browsers send the most specific path first), and accepts the header as an
 * array (several Cookie headers). Values are percent-decoded when they hold a `%` escape.
 */
export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== "string") {
    for (const one of header) {
      const value = readCookie(one, name);
      if (value !== undefined) return value;
    }
    return undefined;
  }
  // indexOf is native: jump from one occurrence of the name to the next rather than walking every
  // cookie, and check that it stands as a name (after ";" or the start, followed by "=").
  let at = header.indexOf(name);
  while (at !== -1) {
    let before = at - 1;
    while (before >= 0 && isSpace(header.charCodeAt(before))) before--;
    if (before < 0 || header.charCodeAt(before) === 59 /* ; */) {
      let after = at + name.length;
      while (after < header.length && isSpace(header.charCodeAt(after))) after++;
      if (header.charCodeAt(after) === 61 /* = */) {
        const end = header.indexOf(";", after + 1);
        return cleanValue(header.slice(after + 1, end === -1 ? header.length : end));
      }
    }
    at = header.indexOf(name, at + 1);
  }
  return undefined;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9;
}

function cleanValue(raw: string): string {
  let value = raw.trim();
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Characters a cookie value may hold as is (RFC 6265 cookie-octet), minus `%`, kept for escapes. */
const UNSAFE_IN_VALUE = /[^\x21\x23\x24\x26-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]/gu;

/** Percent-encodes what a cookie value may not hold, so readCookie gives back the same string. */
export function encodeCookieValue(value: string): string {
  return value.replace(UNSAFE_IN_VALUE, (char) => {
    try {
      return encodeURIComponent(char);
    } catch {
      return "%EF%BF%BD"; // a lone surrogate: U+FFFD, as a browser would send it
    }
  });
}

/** The Set-Cookie line of a sticky assignment (attributes fixed by the route table contract). */
export function stickySetCookie(name: string, value: string, maxAgeS: number): string {
  return `${name}=${encodeCookieValue(value)}; Max-Age=${Math.floor(maxAgeS)}; Path=/; HttpOnly; SameSite=Lax`;
}
