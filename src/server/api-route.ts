import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import type { Authentication } from "../auth/accounts.js";
import type { EnvironmentAccessRule } from "../core/access/can.js";
import type { Decision } from "../core/access/can.js";
import type { Principal } from "../core/access/roles.js";
import type { RouteMethod } from "../core/access/routes.js";
import type { AppContext } from "./app-context.js";

/** What a handler answers: a status and a JSON body, or `STREAMED` when it took over the response (SSE). */
export type ApiReply =
  | {
      status: number;
      body: unknown;
      headers?: Record<string, string>;
      /**
       * What the audit record of a mutating request says when the handler knows better than the
       * route's action (e.g. `flag.created` rather than `edit-flags`), and a reason not in the body.
       */
      audit?: { action?: string; reason?: string };
    }
  | typeof STREAMED;

/** Returned by handlers that wrote the response themselves (server-sent events, file downloads). */
export const STREAMED = Symbol("streamed");

/** Everything a handler sees: the validated input, who is calling, and the server's parts. */
export interface RouteContext<B, Q> {
  app: AppContext;
  params: Record<string, string>;
  body: B;
  query: Q;
  /** The authenticated caller (anonymous only on public routes). */
  principal: Principal;
  auth: Exclude<Authentication, { via: "invalid" }>;
  /** `can()`'s answer for the route's action; `hold` means the deploy must wait for an approval. */
  decision?: Exclude<Decision, { effect: "deny" }>;
  /** The environment the request acts on, when the route resolves one. */
  environment?: string;
  req: IncomingMessage;
  res: ServerResponse;
  /** Every declared route (the OpenAPI document is generated from them). */
  routes: readonly ApiRoute[];
}

/**
 * One API route, declared once: the router matches, authorizes (action from ROUTES in
 * core/access/routes.ts), validates and audits it, and the OpenAPI document is generated from it.
 *
 * @example
 * defineRoute({ method: "GET", path: "/api/rollouts/:id", summary: "One rollout with its events",
 *   handler: async ({ app, params }) => ({ status: 200, body: { rollout: await app.controller.rolloutById(params.id) } }) })
 */
export interface ApiRoute<B = unknown, Q = unknown> {
  method: RouteMethod;
  /** Path with `:param` segments; must appear with the same method in ROUTES. */
  path: string;
  summary: string;
  description?: string;
  /** OpenAPI tag (the route module's area). */
  tag: string;
  /** JSON request body; invalid bodies are answered 400 with `problems` before the handler runs. */
  body?: z.ZodType<B>;
  /** Query string (first value of each name, as strings); invalid → 400 with `problems`. */
  query?: z.ZodType<Q>;
  /**
   * The environment an environment-scoped action acts on (deploy: from the body; promote: from the
   * rollout). Undefined when it cannot be told (e.g. unknown rollout): the base role decides then
   * and the handler answers 404/400.
   */
  environment?: (input: {
    params: Record<string, string>;
    body: B;
    query: Q;
    app: AppContext;
  }) => string | undefined | Promise<string | undefined>;
  /** The `reason` recorded in the audit record of a mutating request, when the body carries one. */
  auditReason?: (body: B) => string | undefined;
  /** Answers besides 200 and the API's usual errors, for the OpenAPI document: status → meaning. */
  responses?: Record<number, string>;
  /** Response media type for the OpenAPI document; JSON unless streamed. */
  produces?: "application/json" | "text/event-stream" | "text/plain";
  handler(ctx: RouteContext<B, Q>): Promise<ApiReply> | ApiReply;
}

/** Keeps a route's body and query types checked inside its handler while listing it with others. */
export function defineRoute<B = undefined, Q = Record<string, string | undefined>>(
  route: ApiRoute<B, Q>,
): ApiRoute {
  return route as unknown as ApiRoute;
}

/** The access rule of an environment, as slipway.yaml sets it (approval, access.minimumRoles). */
export type EnvironmentRuleLookup = (environment: string) => EnvironmentAccessRule | undefined;
