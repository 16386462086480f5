import type { Session } from "./types.js";

/** An API error as the server words it (`{ error: { code, message } }`), with the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Every problem of a refused input (422), each a JSON pointer and what was expected. */
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

let csrfToken = "";
/** Called with every 401 so the app can show the sign-in page. */
let onUnauthenticated: () => void = () => undefined;

export function setCsrfToken(token: string): void {
  csrfToken = token;
}
export function whenUnauthenticated(handler: () => void): void {
  onUnauthenticated = handler;
}

/**
 * JSON request to the control plane on the same origin (the session cookie rides along); mutations
 * carry the CSRF token the sign-in returned.
 */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["x-slipway-csrf"] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new ApiError(0, "NETWORK", `cannot reach the control plane: ${(error as Error).message}`);
  }
  const text = await res.text();
  let payload: unknown;
  try {
    payload = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (a proxy's error page): the status line says enough
  }
  if (!res.ok) {
    const error = (payload as { error?: { code?: string; message?: string; problems?: unknown } } | undefined)
      ?.error;
    if (res.status === 401 && path !== "/api/session") onUnauthenticated();
    throw new ApiError(
      res.status,
      error?.code ?? `HTTP_${res.status}`,
      error?.message ?? `${res.status} ${res.statusText}`,
      Array.isArray(error?.problems) ? error.problems.map(String) : [],
    );
  }
  return payload as T;
}

const prefetched = new Map<string, { at: number; reply: Promise<unknown> }>();

/**
 * Starts GETs the first page will need while the session is still being checked, so the two
 * requests overlap instead of running one after the other. A prefetched reply is used once, and
 * only within two seconds; a 401 there just means the sign-in page comes first.
 */
export function prefetch(...paths: string[]): void {
  for (const path of paths) {
    const reply = api<unknown>("GET", path);
    reply.catch(() => undefined);
    prefetched.set(path, { at: Date.now(), reply });
  }
}

export function get<T>(path: string): Promise<T> {
  const early = prefetched.get(path);
  if (early) {
    prefetched.delete(path);
    if (Date.now() - early.at < 2000) return early.reply.catch(() => api<T>("GET", path)) as Promise<T>;
  }
  return api<T>("GET", path);
}
export const post = <T>(path: string, body: unknown = {}) => api<T>("POST", path, body);

/**
 * The current session: a signed-in user, null when signed out, or an open session when the server
 * has no sign-in route at all (an older control plane).
 */
export async function currentSession(): Promise<Session | null> {
  try {
    const session = await get<Session>("/api/session");
    setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) {
      return { user: { id: "local", name: "local", role: "admin" }, csrfToken: "", open: true };
    }
    throw error;
  }
}

export async function signIn(username: string, password: string): Promise<Session> {
  const session = await post<Session>("/api/session", { username, password });
  setCsrfToken(session.csrfToken);
  return session;
}

export async function signOut(): Promise<void> {
  await api("DELETE", "/api/session").catch(() => undefined);
  setCsrfToken("");
}

/** A list from a reply that is either the array itself or an object holding it (`{ runs: [...] }`). */
export function listOf<T>(payload: unknown, key: string): T[] {
  if (Array.isArray(payload)) return payload as T[];
  if (payload && typeof payload === "object") {
    const record = payload as Record<string, unknown>;
    const value = record[key] ?? Object.values(record).find(Array.isArray);
    if (Array.isArray(value)) return value as T[];
  }
  return [];
}
