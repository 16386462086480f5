import { z } from "zod";
import { gatedDeploy } from "../gated-deploy.js";
import { SlipwayError } from "../../core/errors.js";
import { SERIES_INTERVAL_MS } from "../../core/rollout/series.js";
import { actorOf } from "../actor.js";
import { defineRoute, type ApiRoute } from "../api-route.js";
import type { AppContext } from "../app-context.js";

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
  override: z
    .strictObject({ reason: z.string().min(1, "an override needs a reason").max(500) })
    .optional()
    .describe("Deploy inside a freeze window (admins only); the reason is audited"),
  policyOverride: z
    .strictObject({ reason: z.string().min(1, "a policy override needs a reason").max(500) })
    .optional()
    .describe("Deploy a release the environment's policy refuses (admins only); the reason is audited"),
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

const actionBody = z.strictObject({
  reason: z.string().max(500).optional(),
  full: z
    .boolean()
    .optional()
    .describe("promote: all traffic to the candidate now, skipping steps and analysis"),
  comment: z.string().max(500).optional().describe("approve/reject: shown with the vote"),
});

/** The rollout an action names, or 404. */
async function rolloutOf(app: AppContext, id: string) {
  const rollout = await app.controller.rolloutById(id);
  if (!rollout) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no rollout ${id}`);
  return rollout;
}

const rolloutEnvironment = async ({ params, app }: { params: Record<string, string>; app: AppContext }) =>
  (await app.controller.rolloutById(params.id ?? ""))?.environment;

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

/** 202 when something started or changed, 200 for a no-op. */
const accepted = (result: { result: string }) => ({
  status: result.result === "noop" ? 200 : 202,
  body: result,
});

/** Rollouts: status, deploys, rollbacks, the rollout list, one rollout, the audit history. */
export const rolloutRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/api/status",
    tag: "rollouts",
    summary: "What each environment serves, its instances and the rollout in progress",
    handler: async ({ app }) => ({
      status: 200,
      body: {
        ...app.info(),
        environments: await app.controller.status(),
        flags: { served: app.flags.compiled().flags.size, problems: app.flags.problems() },
      },
    }),
  }),
  defineRoute({
    method: "POST",
    path: "/api/deployments",
    tag: "rollouts",
    summary: "Deploy a version of a service to an environment",
    description:
      "Passes the deploy gate first: role in the environment (401/403), freeze windows (409, unless an " +
      "admin sends `override: { reason }`, which is audited), then approval: an environment with " +
      "`approval` holds the rollout in awaiting-approval until someone else approves it.",
    body: deployBody,
    environment: ({ body }) => body.environment,
    auditReason: (body) =>
      [
        body.override ? `freeze override: ${body.override.reason}` : undefined,
        body.policyOverride ? `policy override: ${body.policyOverride.reason}` : undefined,
        body.reason,
      ]
        .filter(Boolean)
        .join("; ") || undefined,
    handler: async ({ app, body, principal }) => {
      const { actor: _ignored, override, policyOverride, ...input } = body;
      return accepted(await gatedDeploy(app, principal, input, override, policyOverride));
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
      return accepted(await app.controller.rollback({ ...input, actor: actorOf(principal) }));
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/rollouts",
    tag: "rollouts",
    summary: "Rollouts, newest first",
    query: listQuery,
    handler: async ({ app, query }) => ({
      status: 200,
      body: { rollouts: await app.controller.list(filters(query)) },
    }),
  }),
  defineRoute({
    method: "GET",
    path: "/api/rollouts/:id",
    tag: "rollouts",
    summary: "One rollout with its audit events and the instances of its revisions",
    handler: async ({ app, params }) => {
      const id = params.id ?? "";
      const rollout = await app.controller.rolloutById(id);
      if (!rollout) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no rollout ${id}`);
      return {
        status: 200,
        body: {
          rollout,
          progress: await app.controller.progress(rollout),
          events: await app.controller.history({ rolloutId: id, limit: 500 }),
          instances: app.controller.instancesOf(rollout),
        },
      };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/rollouts/:id/series",
    tag: "rollouts",
    summary: "The rollout's own weights and request rates over time",
    description:
      "One point every few seconds while the rollout was unfinished, and one when it finished: the " +
      "percent of traffic its candidate and stable revisions had, and each revision's requests per " +
      "second, 5xx share and p95 latency as the proxy saw them. Oldest first, the newest 2000 at most.",
    handler: async ({ app, params }) => {
      const rollout = await rolloutOf(app, params.id ?? "");
      return {
        status: 200,
        body: {
          rolloutId: rollout.id,
          intervalMs: SERIES_INTERVAL_MS,
          points: await app.store.rolloutSeries.series(rollout.id),
        },
      };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api/rollouts/:id/promote",
    tag: "rollouts",
    summary: "Resume a paused canary or skip to its next step; `full: true` sends all traffic now",
    body: actionBody,
    environment: rolloutEnvironment,
    auditReason: (body) => body.reason,
    handler: async ({ app, params, body, principal }) => {
      const rollout = await rolloutOf(app, params.id ?? "");
      return accepted(
        await app.controller.promote(rollout.id, {
          actor: actorOf(principal),
          ...(body.full !== undefined ? { full: body.full } : {}),
          ...(body.reason ? { reason: body.reason } : {}),
        }),
      );
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api/rollouts/:id/abort",
    tag: "rollouts",
    summary: "Abort a rollout: all traffic back to the stable revision",
    body: actionBody,
    environment: rolloutEnvironment,
    auditReason: (body) => body.reason,
    handler: async ({ app, params, body, principal }) => {
      const rollout = await rolloutOf(app, params.id ?? "");
      const reason = body.reason?.trim() || "no reason given";
      return accepted(await app.controller.abort(rollout.id, { actor: actorOf(principal), reason }));
    },
  }),
  ...(["approve", "reject"] as const).map((verdict) =>
    defineRoute({
      method: "POST",
      path: `/api/rollouts/:id/${verdict}`,
      tag: "rollouts",
      summary:
        verdict === "approve"
          ? "Approve a rollout waiting for approval (never your own deploy)"
          : "Reject a rollout waiting for approval; it does not start",
      body: actionBody,
      environment: rolloutEnvironment,
      auditReason: (body) => body.comment ?? body.reason,
      handler: async ({ app, params, body, principal }) => {
        const rollout = await rolloutOf(app, params.id ?? "");
        if (principal.kind === "anonymous")
          throw new SlipwayError("SLIPWAY_UNAUTHENTICATED", "sign in first");
        const comment = body.comment ?? body.reason;
        return accepted(
          await app.controller.approve(rollout.id, {
            principal: { id: principal.id, name: principal.name },
            verdict,
            ...(comment ? { comment } : {}),
          }),
        );
      },
    }),
  ),
  defineRoute({
    method: "GET",
    path: "/api/history",
    tag: "rollouts",
    summary: "The newest audit events (rollouts and API requests), oldest first; `before` pages back",
    query: listQuery.extend({
      type: z.string().optional().describe("Only this event type, e.g. rollout.promoted or api.deploy"),
      actor: z.string().optional().describe("Only this actor (a user's or token's name)"),
      before: z.string().optional().describe("Only events with a sequence number below this (paging)"),
    }),
    handler: async ({ app, query }) => {
      const before = Number(query.before ?? "");
      return {
        status: 200,
        body: {
          events: await app.store.audit.events({
            ...filters(query),
            ...(query.type ? { type: query.type } : {}),
            ...(query.actor ? { actor: query.actor } : {}),
            ...(Number.isInteger(before) && before > 0 ? { before } : {}),
          }),
        },
      };
    },
  }),
];
