import type { Action } from "../core/access/actions.js";
import { can, type Decision, type Resource } from "../core/access/can.js";
import { authenticate, type Authentication } from "./accounts.js";
import { rateLimitHeaders, type TokenBucketLimiter } from "./rate-limit.js";
import { CSRF_HEADER, needsCsrfCheck, verifyCsrfToken } from "./sessions.js";
import type { AccessStore } from "../store/ports/access-store.js";

export interface GuardedRequest {
  method: string;
  /** Lower-cased, as node:http gives them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** From ROUTES (core/access/routes.ts). */
  action: Action | "public";
  /** The environment the request acts on, for environment-scoped actions. */
  resource: Resource;
}

export type GuardResult =
  | {
      ok: true;
      auth: Exclude<Authentication, { via: "invalid" }>;
      /** Absent on public routes. `hold` means the deploy must wait for an approval. */
      decision?: Exclude<Decision, { effect: "deny" }>;
      headers: Record<string, string>;
    }
  | {
      ok: false;
      status: 401 | 403 | 429;
      /** The catalogue code for the JSON error body (docs/errors.md). */
      code: "SLIPWAY_UNAUTHENTICATED" | "SLIPWAY_FORBIDDEN" | "SLIPWAY_RATE_LIMITED";
      message: string;
      headers: Record<string, string>;
    };

const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * Everything an API route checks before its handler runs: who is calling (token or session), their
 * rate limit, CSRF for cookie-authenticated mutations, and `can()`. Public routes are never refused
 * here (a stale cookie must not block signing in again); they get whatever authentication parsed.
 *
 * @example
 * const result = await guardRequest({ store, limiter }, { method: req.method, headers: req.headers,
 *   action: "promote", resource: { kind: "environment", environment: rollout.environment, rule } }, Date.now());
 * if (!result.ok) return reply(res, result.status, { error: result.message }, result.headers);
 */
export async function guardRequest(
  deps: { store: AccessStore; limiter?: TokenBucketLimiter },
  request: GuardedRequest,
  now: number,
): Promise<GuardResult> {
  // OFREP's apiKey scheme: a client key may come as X-API-Key instead of a bearer token.
  const apiKey = request.action === "evaluate-flags" ? one(request.headers["x-api-key"]) : undefined;
  const authorization =
    one(request.headers.authorization) ?? (apiKey !== undefined ? `Bearer ${apiKey}` : undefined);
  const auth = await authenticate(deps.store, { authorization, cookie: one(request.headers.cookie) }, now);
  if (request.action === "public") {
    return {
      ok: true,
      auth: auth.via === "invalid" ? { via: "anonymous", principal: { kind: "anonymous" } } : auth,
      headers: {},
    };
  }
  if (auth.via === "invalid") {
    return {
      ok: false,
      status: 401,
      code: "SLIPWAY_UNAUTHENTICATED",
      message: auth.message,
      headers: { "www-authenticate": 'Bearer realm="slipway"' },
    };
  }
  let headers: Record<string, string> = {};
  // Flag evaluation is exempt: one client key serves every user of an app, and OFREP is cheap.
  // So are runners: each beats every second while it runs a job, and streams its logs.
  if (
    deps.limiter &&
    auth.via !== "anonymous" &&
    request.action !== "evaluate-flags" &&
    request.action !== "take-jobs"
  ) {
    const limited = deps.limiter.take(`${auth.via}:${auth.principal.id}`);
    headers = rateLimitHeaders(limited);
    if (!limited.allowed)
      return {
        ok: false,
        status: 429,
        code: "SLIPWAY_RATE_LIMITED",
        message: "too many requests; slow down",
        headers,
      };
  }
  // Cookies ride along on cross-site requests; the CSRF header cannot. Bearer tokens need no check.
  if (
    auth.via === "session" &&
    needsCsrfCheck(request.method, auth.via) &&
    !verifyCsrfToken(auth.session.csrfToken, one(request.headers[CSRF_HEADER]))
  ) {
    return {
      ok: false,
      status: 403,
      code: "SLIPWAY_FORBIDDEN",
      message: `missing or wrong ${CSRF_HEADER} header`,
      headers,
    };
  }
  const decision = can(auth.principal, request.action, request.resource);
  if (decision.effect === "deny") {
    return {
      ok: false,
      status: decision.status,
      code: decision.status === 401 ? "SLIPWAY_UNAUTHENTICATED" : "SLIPWAY_FORBIDDEN",
      message: decision.reason,
      headers:
        decision.status === 401 ? { ...headers, "www-authenticate": 'Bearer realm="slipway"' } : headers,
    };
  }
  return { ok: true, auth, decision, headers };
}
