import type { Action } from "./actions.js";

/**
 * The API's routes and the action each needs: the single table the server's guard and the
 * authorization-matrix test both read, so a route cannot be added without deciding who may call it.
 * `public` routes authenticate by other means (sign-in with a password, webhooks by signature) or
 * reveal nothing (health, the OpenAPI document). Paths follow src/server/http-api.ts where a route
 * exists already (deployments, rollbacks, history, status); the rest are the planned API.
 */
export type RouteMethod = "GET" | "POST" | "PUT" | "DELETE";

export interface RoutePermission {
  method: RouteMethod;
  /** Path pattern with `:param` segments, as the router declares it. */
  path: string;
  action: Action | "public";
}

export const ROUTES: readonly RoutePermission[] = [
  { method: "GET", path: "/api/health", action: "public" },
  { method: "GET", path: "/api/openapi.json", action: "public" },
  { method: "POST", path: "/api/session", action: "public" },
  // Answers 401 itself when there is no session: the dashboard asks "am I signed in?".
  { method: "GET", path: "/api/session", action: "public" },
  { method: "DELETE", path: "/api/session", action: "public" },
  { method: "POST", path: "/api/webhooks/github", action: "public" },

  { method: "GET", path: "/api/status", action: "read" },
  { method: "GET", path: "/api/services", action: "read" },
  { method: "GET", path: "/api/environments", action: "read" },
  { method: "GET", path: "/api/releases", action: "read" },
  // CI attaches its reports with the token it deploys with.
  { method: "GET", path: "/api/releases/:service/:version/evidence", action: "read" },
  { method: "POST", path: "/api/releases/:service/:version/evidence", action: "deploy" },
  { method: "GET", path: "/api/rollouts", action: "read" },
  { method: "GET", path: "/api/rollouts/:id", action: "read" },
  { method: "GET", path: "/api/rollouts/:id/series", action: "read" },
  { method: "GET", path: "/api/events", action: "read" },
  { method: "POST", path: "/api/deployments", action: "deploy" },
  { method: "POST", path: "/api/rollbacks", action: "rollback" },
  { method: "POST", path: "/api/previews", action: "deploy" },
  { method: "POST", path: "/api/rollouts/:id/promote", action: "promote" },
  { method: "POST", path: "/api/rollouts/:id/abort", action: "abort" },
  { method: "POST", path: "/api/rollouts/:id/approve", action: "approve" },
  { method: "POST", path: "/api/rollouts/:id/reject", action: "approve" },

  { method: "GET", path: "/api/runs", action: "read" },
  { method: "GET", path: "/api/runs/:id", action: "read" },
  { method: "GET", path: "/api/runs/:id/logs", action: "read" },
  { method: "GET", path: "/api/runs/:id/summary", action: "read" },
  { method: "GET", path: "/api/runs/:id/artifacts", action: "read" },
  { method: "GET", path: "/api/runs/:id/artifacts/:name", action: "read" },
  { method: "POST", path: "/api/runs", action: "trigger-run" },
  { method: "POST", path: "/api/runs/:id/cancel", action: "cancel-run" },
  { method: "POST", path: "/api/runs/:id/rerun", action: "trigger-run" },
  { method: "GET", path: "/api/workflows", action: "read" },
  { method: "POST", path: "/api/runs/:id/jobs/:job/approve", action: "approve" },

  { method: "GET", path: "/api/history", action: "read-audit" },

  { method: "GET", path: "/api/metrics/delivery", action: "read" },
  // Prometheus text; the server listens on loopback only.
  { method: "GET", path: "/metrics", action: "public" },

  // Runners (`slipway runner`, runner tokens only): take jobs, beat, upload, finish, restore caches.
  { method: "POST", path: "/api/runner/claim", action: "take-jobs" },
  { method: "POST", path: "/api/runner/jobs/:id/source", action: "take-jobs" },
  { method: "POST", path: "/api/runner/jobs/:id/heartbeat", action: "take-jobs" },
  { method: "POST", path: "/api/runner/jobs/:id/artifacts", action: "take-jobs" },
  { method: "PUT", path: "/api/runner/jobs/:id/files", action: "take-jobs" },
  { method: "POST", path: "/api/runner/jobs/:id/finish", action: "take-jobs" },
  { method: "POST", path: "/api/runner/jobs/:id/cache/lookup", action: "take-jobs" },
  { method: "POST", path: "/api/runner/jobs/:id/cache/entries/:entry", action: "take-jobs" },

  { method: "GET", path: "/api/dead-letters", action: "read-dead-letters" },
  { method: "POST", path: "/api/dead-letters/:id/resend", action: "resend-dead-letter" },

  { method: "GET", path: "/api/tokens", action: "read-tokens" },
  { method: "POST", path: "/api/tokens", action: "manage-tokens" },
  { method: "DELETE", path: "/api/tokens/:id", action: "manage-tokens" },
  { method: "GET", path: "/api/users", action: "read-users" },
  { method: "POST", path: "/api/users", action: "manage-users" },
  { method: "DELETE", path: "/api/users/:id", action: "manage-users" },

  { method: "GET", path: "/api/flags", action: "read" },
  // Before /api/flags/:key so "stream" and "document" are not read as flag keys.
  { method: "GET", path: "/api/flags/stream", action: "evaluate-flags" },
  { method: "GET", path: "/api/flags/document", action: "evaluate-flags" },
  { method: "GET", path: "/api/flags/:key", action: "read" },
  { method: "GET", path: "/api/flags/:key/history", action: "read" },
  { method: "PUT", path: "/api/flags/:key", action: "edit-flags" },
  { method: "POST", path: "/api/flags/:key/state", action: "edit-flags" },
  { method: "DELETE", path: "/api/flags/:key", action: "edit-flags" },
  // The providers' exposure and track() events: a client key may send them.
  { method: "POST", path: "/api/flags/events", action: "evaluate-flags" },
  { method: "GET", path: "/api/experiments", action: "read" },
  { method: "POST", path: "/api/experiments", action: "edit-flags" },
  { method: "GET", path: "/api/experiments/:key", action: "read" },
  { method: "GET", path: "/api/experiments/:key/results", action: "read" },
  { method: "POST", path: "/api/experiments/:key/start", action: "edit-flags" },
  { method: "POST", path: "/api/experiments/:key/stop", action: "edit-flags" },
  { method: "POST", path: "/api/experiments/:key/ship", action: "edit-flags" },
  // OFREP (src/flags/ofrep.ts): any API token, or a flags:evaluate client key (also as X-API-Key).
  { method: "POST", path: "/ofrep/v1/evaluate/flags", action: "evaluate-flags" },
  { method: "POST", path: "/ofrep/v1/evaluate/flags/:key", action: "evaluate-flags" },
  { method: "GET", path: "/ofrep/v1/configuration", action: "evaluate-flags" },

  { method: "GET", path: "/api/assets", action: "read" },
  { method: "GET", path: "/api/assets/:name", action: "read" },
  { method: "GET", path: "/api/assets/:name/versions/:version", action: "read" },
  { method: "GET", path: "/api/assets/:name/aliases/:alias/history", action: "read" },
  { method: "PUT", path: "/api/assets/:name/aliases/:alias", action: "move-asset-aliases" },
  { method: "POST", path: "/api/assets/:name/aliases/:alias/rollback", action: "move-asset-aliases" },
  { method: "GET", path: "/api/channels", action: "read" },
  { method: "GET", path: "/api/channels/:name", action: "read" },
  // A move into a rollout channel is a deploy in its environment; flag channels also need edit-flags.
  { method: "POST", path: "/api/channels/:name/moves", action: "deploy" },
  { method: "POST", path: "/api/channels/:name/rollback", action: "rollback" },
];

/**
 * The permission for a request, with its `:param` values; undefined when no route matches (the
 * server answers 404 or 405 then). Segments are matched whole and percent-decoded.
 */
export function matchRoute(
  method: string,
  pathname: string,
  routes: readonly RoutePermission[] = ROUTES,
): { route: RoutePermission; params: Record<string, string> } | undefined {
  const actual = pathname.split("/");
  for (const route of routes) {
    if (route.method !== method.toUpperCase()) continue;
    const pattern = route.path.split("/");
    if (pattern.length !== actual.length) continue;
    const params: Record<string, string> = {};
    const matched = pattern.every((segment, i) => {
      const value = actual[i] ?? "";
      if (!segment.startsWith(":")) return segment === value;
      if (value === "") return false;
      try {
        params[segment.slice(1)] = decodeURIComponent(value);
        return true;
      } catch {
        return false;
      }
    });
    if (matched) return { route, params };
  }
  return undefined;
}
