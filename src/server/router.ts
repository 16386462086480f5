import type { IncomingMessage, ServerResponse } from "node:http";
import { guardRequest } from "../auth/guard.js";
import { ACTION_RULES } from "../core/access/actions.js";
import { GLOBAL, type Resource } from "../core/access/can.js";
import { matchRoute, ROUTES, type RoutePermission } from "../core/access/routes.js";
import { isSlipwayError } from "../core/errors.js";
import { actorOf } from "./actor.js";
import { STREAMED, type ApiRoute } from "./api-route.js";
import type { AppContext } from "./app-context.js";
import { errorBody, problemsOf, readJson, sendJson, STATUS_BY_CODE } from "./http-io.js";
import { answerFailure } from "./store-faults.js";

/** Handles a request if a declared route owns its path; false lets the caller serve it otherwise. */
export type ApiRouter = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * Builds the API from route declarations. For each request: match (404/405), read the JSON body,
 * validate body and query, resolve the environment the request acts on, authorize with
 * guardRequest and the route's action from ROUTES (401/403/429, CSRF), answer 400 with `problems`
 * for invalid input, run the handler, and audit mutating requests with actor and reason.
 * Throws at build time when a route is missing from ROUTES: no route runs without a decided action.
 */
export function createRouter(routes: readonly ApiRoute[], app: AppContext): ApiRouter {
  const permissions = new Map<RoutePermission, ApiRoute>();
  for (const route of routes) {
    const permission = ROUTES.find((p) => p.method === route.method && p.path === route.path);
    if (!permission) {
      throw new Error(`${route.method} ${route.path} has no action in ROUTES (src/core/access/routes.ts)`);
    }
    if (permissions.has(permission)) throw new Error(`${route.method} ${route.path} is declared twice`);
    permissions.set(permission, route);
  }
  const declared = [...permissions.keys()];

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = (req.method ?? "GET").toUpperCase();
    const matched = matchRoute(method, url.pathname, declared);
    const route = matched && permissions.get(matched.route);
    if (!matched || !route) {
      const allowed = declared.filter((p) => matchRoute(p.method, url.pathname, [p])).map((p) => p.method);
      if (allowed.length > 0) {
        sendJson(
          res,
          405,
          errorBody("SLIPWAY_INVALID_ARGUMENT", `${method} is not allowed on ${url.pathname}`),
          { allow: allowed.join(", ") },
        );
        return true;
      }
      if (url.pathname === "/api" || url.pathname.startsWith("/api/") || url.pathname.startsWith("/ofrep/")) {
        sendJson(res, 404, errorBody("SLIPWAY_NOT_FOUND", `no API route ${url.pathname}`));
        return true;
      }
      // Not an API path: the dashboard's static files (or another handler) answer it.
      return false;
    }
    await handle(route, matched.route, matched.params, url, req, res, app, routes);
    return true;
  };
}

async function handle(
  route: ApiRoute,
  permission: RoutePermission,
  params: Record<string, string>,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  app: AppContext,
  routes: readonly ApiRoute[],
): Promise<void> {
  // Input first (without trusting it), so the environment it names can be authorized.
  const problems: string[] = [];
  let body: unknown = undefined;
  let bodyError: string | undefined;
  if (route.body) {
    try {
      const parsed = route.body.safeParse(await readJson(req));
      if (parsed.success) body = parsed.data;
      else problems.push(...problemsOf(parsed.error, "body"));
    } catch (error) {
      bodyError = (error as Error).message;
    }
  }
  let query: unknown = Object.fromEntries(url.searchParams);
  if (route.query) {
    const parsed = route.query.safeParse(query);
    if (parsed.success) query = parsed.data;
    else problems.push(...problemsOf(parsed.error, "query"));
  }
  const valid = problems.length === 0 && bodyError === undefined;

  let environment: string | undefined;
  if (valid && route.environment) {
    try {
      environment = await route.environment({ params, body, query, app });
    } catch {
      environment = undefined;
    }
  }
  const action = permission.action;
  let resource: Resource = GLOBAL;
  if (action !== "public" && ACTION_RULES[action].scope === "environment") {
    // An unknown environment is decided by the base role; the handler then answers 400/404.
    const rule = environment === undefined ? undefined : app.environmentRule(environment);
    resource = { kind: "environment", environment: environment ?? "", ...(rule ? { rule } : {}) };
  }

  const now = app.now();
  const guard = await guardRequest(
    { store: app.access, ...(app.limiter ? { limiter: app.limiter } : {}) },
    { method: req.method ?? "GET", headers: req.headers, action, resource },
    now,
  );
  if (!guard.ok) {
    // Drain the body we did not read, so the connection can be reused.
    if (!route.body) req.resume();
    sendJson(res, guard.status, errorBody(guard.code, guard.message), guard.headers);
    return;
  }
  for (const [name, value] of Object.entries(guard.headers)) res.setHeader(name, value);

  const mutating = action !== "public" && ACTION_RULES[action].mutating;
  let status = 500;
  let audited: { action?: string; reason?: string } = {};
  try {
    if (bodyError !== undefined) {
      status = 400;
      sendJson(res, 400, errorBody("SLIPWAY_INVALID_ARGUMENT", bodyError));
      return;
    }
    if (!valid) {
      status = 400;
      sendJson(
        res,
        400,
        errorBody("SLIPWAY_INVALID_ARGUMENT", `invalid request: ${problems.join("; ")}`, problems),
      );
      return;
    }
    const reply = await route.handler({
      app,
      params,
      body,
      query,
      principal: guard.auth.principal,
      auth: guard.auth,
      ...(guard.decision ? { decision: guard.decision } : {}),
      ...(environment !== undefined ? { environment } : {}),
      req,
      res,
      routes,
    });
    if (reply === STREAMED) {
      status = res.statusCode;
      return;
    }
    status = reply.status;
    audited = reply.audit ?? {};
    sendJson(res, reply.status, reply.body, reply.headers);
  } catch (error) {
    if (isSlipwayError(error) && !res.headersSent) {
      status = STATUS_BY_CODE[error.code];
      sendJson(res, status, errorBody(error.code, error.message, error.details.problems));
    } else status = answerFailure(app, res, error, `${route.method} ${route.path}`);
  } finally {
    const principal = guard.auth.principal;
    if (mutating && principal.kind !== "anonymous") {
      const reason = audited.reason ?? (valid && route.auditReason ? route.auditReason(body) : undefined);
      try {
        await app.audit.record({
          actor: actorOf(principal),
          actorName: principal.name,
          action: audited.action ?? action,
          method: route.method,
          path: url.pathname,
          status,
          ...(environment !== undefined ? { environment } : {}),
          ...(reason ? { reason } : {}),
        });
      } catch (error) {
        app.log.error({ err: error }, "cannot write the API audit record");
      }
    }
  }
}
