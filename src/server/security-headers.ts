import type { ServerResponse } from "node:http";

/**
 * The dashboard's Content-Security-Policy. The built dashboard is one module script and one
 * stylesheet from this origin (Vite output, no inline code); React sets `style` through the CSSOM,
 * which `style-src 'self'` allows. `frame-ancestors 'none'` stops the dashboard being framed
 * (clickjacking an approve or promote button).
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** API answers are data, never documents: nothing in them may load or run, nor be framed. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Headers every control-plane response carries (dashboard and API alike). X-Frame-Options is the
 * older browsers' frame-ancestors; no-referrer keeps rollout and run URLs out of other sites' logs.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-security-policy": API_CSP,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
});

/** Sets the common headers; later `writeHead` calls keep them unless they name the same header. */
export function applySecurityHeaders(res: ServerResponse, csp: string = API_CSP): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  res.setHeader("content-security-policy", csp);
}
