import { request } from "undici";

/** One outgoing POST. */
export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  /** From a Retry-After header, when the receiver sent one. */
  retryAfterMs?: number;
}

/** Sends a request; rejects only when no HTTP response came back (refused, reset, timeout). */
export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

/** Retry-After as seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === "") return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The default transport, on undici. The response body is read and dropped to free the socket. */
export const undiciTransport: HttpTransport = async (req) => {
  const response = await request(req.url, {
    method: "POST",
    headers: req.headers,
    body: req.body,
    headersTimeout: req.timeoutMs,
    bodyTimeout: req.timeoutMs,
    signal: AbortSignal.timeout(req.timeoutMs),
  });
  await response.body.dump();
  const retryAfterMs = parseRetryAfter(response.headers["retry-after"], Date.now());
  return { status: response.statusCode, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
};
