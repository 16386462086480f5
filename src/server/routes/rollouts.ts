import { z } from "zod";
import { SlipwayError } from "../../core/errors.js";
import type { Principal } from "../../core/access/roles.js";
import { defineRoute, type ApiRoute } from "../api-route.js";

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' or '-'");
const actorField = z
  .string()
  .min(1)
  .max(100)
  .optional()
  .describe("Ignored: the actor recorded is the authenticated caller (kept for older CLIs).");

const deployBody = z.strictObject({
  service: name,
  environment: name,
  version: name,
  ref: z.string().min(1).optional(),
  reason: z.string().max(500).optional(),
  actor: actorField,
});
const rollbackBody = z.strictObject({
  service: name,
  environment: name,
  to: name.optional(),
  reason: z.string().min(1, "a reason is required").max(500),
  actor: actorField,
});
const listQuery = z.object({
  service: z.string().optional(),
  environment: z.string().optional(),
  limit: z.string().optional().describe("At most this many (1-1000)"),
});

/** Lenient filters, as before the route framework: a bad limit is ignored rather than refused. */
function filters(query: z.output<typeof listQuery>): {
  service?: string;
  environment?: string;
  limit?: number;
} {
  const limit = Number(query.limit ?? "");
  return {
    ...(query.service ? { service: query.service } : {}),
    ...(query.environment ? { environment: query.environment } : {}),
    ...(Number.isInteger(limit) && limit > 0 ? { limit: Math.min(limit, 1000) } : {}),
  };
}

/** Who a rollout's audit events name: the principal's stable id (user id or token id). */
export function actorOf(principal: Principal): string {
  return principal.kind === "anonymous" ? "anonymous" : principal.id;
}

/** Rollouts: status, deploys, rollbacks, the rollout list, one rollout, the audit history. */
export const rolloutRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/api/status",
    tag: "rollouts",
    summary: "What each environment serves, its instances and the rollout in progress",
    handler: ({ app }) => ({ status: 200, body: { ...app.info(), environments: app.controller.status() } }),
  }),
  defineRoute({
    method: "POST",
    path: "/api/deployments",
    tag: "rollouts",
    summary: "Deploy a version of a service to an environment",
    body: deployBody,
    environment: ({ body }) => body.environment,
    auditReason: (body) => body.reason,
    handler: async ({ app, body, principal }) => {
      const { actor: _ignored, ...input } = body;
      const result = await app.controller.deploy({ ...input, actor: actorOf(principal) });
      return { status: result.result === "noop" ? 200 : 202, body: result };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api/rollbacks",
    tag: "rollouts",
    summary: "Switch an environment back to its previous (or a named) release",
    body: rollbackBody,
    environment: ({ body }) => body.environment,
    auditReason: (body) => body.reason,
    handler: async ({ app, body, principal }) => {
      const { actor: _ignored, ...input } = body;
      const result = await app.controller.rollback({ ...input, actor: actorOf(principal) });
      return { status: result.result === "noop" ? 200 : 202, body: result };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/rollouts",
    tag: "rollouts",
    summary: "Rollouts, newest first",
    query: listQuery,
    handler: ({ app, query }) => ({ status: 200, body: { rollouts: app.controller.list(filters(query)) } }),
  }),
  defineRoute({
    method: "GET",
    path: "/api/rollouts/:id",
    tag: "rollouts",
    summary: "One rollout with its audit events",
    handler: ({ app, params }) => {
      const id = params.id ?? "";
      const rollout = app.controller.rolloutById(id);
      if (!rollout) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no rollout ${id}`);
      return {
        status: 200,
        body: { rollout, events: app.controller.history({ rolloutId: id, limit: 500 }) },
      };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/history",
    tag: "rollouts",
    summary: "Audit events, newest first",
    query: listQuery,
    handler: ({ app, query }) => ({ status: 200, body: { events: app.controller.history(filters(query)) } }),
  }),
];
