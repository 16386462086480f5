import type { IncomingMessage } from "node:http";
import { gateDeploy } from "../../core/access/deploy-gate.js";
import type { Principal } from "../../core/access/roles.js";
import { DEFAULTS } from "../../core/defaults.js";
import { SlipwayError } from "../../core/errors.js";
import { handleGitHubWebhook, webhookSecretsFrom, type DeployPort } from "../../webhooks/handle.js";
import { defineRoute, type ApiRoute } from "../api-route.js";
import type { AppContext } from "../app-context.js";
import { hooksOf } from "../runs/hooks.js";
import { own } from "../../core/own.js";

/** GitHub caps webhook payloads at 25 MB; a push of many commits stays far below this. */
const MAX_DELIVERY_BYTES = 25 * 1024 * 1024;

/** The exact bytes received: the signature covers them, so they are read raw, never re-serialised. */
async function rawBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_DELIVERY_BYTES)
      throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", "delivery body over 25 MB");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Automatic deploys go through the same gate as `POST /api/deployments`, as a deployer named
 * `webhook:<sender>`: freeze windows refuse them, environments with `approval` hold them.
 */
function gatedDeploy(app: AppContext): DeployPort {
  return async (request) => {
    const principal: Principal = { kind: "token", id: request.actor, name: request.actor, role: "deployer" };
    const env = own(app.config().environments, request.environment);
    const rule = app.environmentRule(request.environment);
    const gate = gateDeploy({
      principal,
      environment: request.environment,
      ...(rule ? { rule } : {}),
      freezeWindows: env?.freezeWindows ?? [],
      now: app.now(),
    });
    if (gate.outcome === "refuse") throw new SlipwayError("SLIPWAY_CONFLICT", gate.message);
    const hold =
      gate.outcome === "hold"
        ? {
            hold: {
              reason: gate.reason,
              approvers: env?.approval?.approvers ?? [],
              expiryMs: env?.approval?.expiryMs ?? DEFAULTS.approvalTtlHours * 3_600_000,
            },
          }
        : {};
    return app.controller.deploy({ ...request, ...hold });
  };
}

/** `POST /api/webhooks/github`: GitHub deliveries, authenticated by their HMAC signature. */
export const webhookRoutes: ApiRoute[] = [
  defineRoute({
    method: "POST",
    path: "/api/webhooks/github",
    tag: "webhooks",
    summary: "Receive a GitHub delivery (push, tag, pull_request, ping)",
    description:
      "Authenticated by X-Hub-Signature-256 (HMAC-SHA256 of the body under SLIPWAY_WEBHOOK_SECRET), not by " +
      "a token. 202 with the runs and deploys it started; 200 for a delivery id already handled (nothing " +
      "triggered again); 401 for a missing or wrong signature; 400 for an unhandled event or a malformed payload.",
    handler: async ({ app, req }) => {
      const hooks = hooksOf(app);
      const body = await rawBody(req);
      const reply = await handleGitHubWebhook(
        { headers: req.headers, body },
        {
          secrets: () => webhookSecretsFrom(hooks.env),
          deliveries: hooks.deliveries,
          runs: hooks.runs,
          deploy: gatedDeploy(app),
          project: () => {
            const config = app.config();
            return {
              environments: Object.fromEntries(
                Object.entries(config.environments).map(([name, env]) => [name, env.deploy]),
              ),
              services: Object.values(config.services).map((s) => ({ name: s.name, path: s.path })),
            };
          },
          now: () => app.now(),
          log: app.log,
        },
      );
      return { status: reply.status, body: reply.body };
    },
  }),
];
