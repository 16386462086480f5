import type { Action } from "./actions.js";

/**
 * The API's routes and the action each needs: the single table the server's guard and the
 * authorization-matrix test both read, so a route cannot be added without deciding who may call it.
 * `public` routes authenticate by other means (sign-in with a password, webhooks by signature) or
 * reveal nothing (the OpenAPI document).
 */
export type RouteMethod = "GET" | "POST" | "PUT" | "DELETE";

export interface RoutePermission {
  method: RouteMethod;
  /** Path pattern with `:param` segments, as the router declares it. */
  path: string;
  action: Action | "public";
}

export const ROUTES: readonly RoutePermission[] = [
  { method: "GET", path: "/api/openapi.json", action: "public" },
  { method: "POST", path: "/api/session", action: "public" },
  { method: "DELETE", path: "/api/session", action: "public" },
  { method: "POST", path: "/api/webhooks/github", action: "public" },

  { method: "GET", path: "/api/services", action: "read" },
  { method: "GET", path: "/api/environments", action: "read" },
  { method: "GET", path: "/api/releases", action: "read" },
  { method: "GET", path: "/api/rollouts", action: "read" },
  { method: "GET", path: "/api/rollouts/:id", action: "read" },
  { method: "GET", path: "/api/events", action: "read" },
  { method: "POST", path: "/api/rollouts", action: "deploy" },
  { method: "POST", path: "/api/rollouts/:id/promote", action: "promote" },
  { method: "POST", path: "/api/rollouts/:id/abort", action: "abort" },
  { method: "POST", path: "/api/rollouts/:id/rollback", action: "rollback" },
  { method: "POST", path: "/api/rollouts/:id/approve", action: "approve" },
  { method: "POST", path: "/api/rollouts/:id/reject", action: "approve" },

  { method: "GET", path: "/api/runs", action: "read" },
  { method: "GET", path: "/api/runs/:id", action: "read" },
  { method: "GET", path: "/api/runs/:id/logs", action: "read" },
  { method: "GET", path: "/api/runs/:id/artifacts", action: "read" },
  { method: "POST", path: "/api/runs", action: "trigger-run" },
  { method: "POST", path: "/api/runs/:id/cancel", action: "cancel-run" },
  { method: "POST", path: "/api/runs/:id/jobs/:job/approve", action: "approve" },

  { method: "GET", path: "/api/audit", action: "read-audit" },

  { method: "GET", path: "/api/dead-letters", action: "read-dead-letters" },
  { method: "POST", path: "/api/dead-letters/:id/resend", action: "resend-dead-letter" },

  { method: "GET", path: "/api/tokens", action: "read-tokens" },
  { method: "POST", path: "/api/tokens", action: "manage-tokens" },
  { method: "DELETE", path: "/api/tokens/:id", action: "manage-tokens" },
  { method: "GET", path: "/api/users", action: "read-users" },
  { method: "POST", path: "/api/users", action: "manage-users" },
  { method: "DELETE", path: "/api/users/:id", action: "manage-users" },
];
