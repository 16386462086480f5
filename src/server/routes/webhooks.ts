import { gateDeploy } from "../../core/access/deploy-gate.js";
import type { Principal } from "../../core/access/roles.js";
import { DEFAULTS } from "../../core/defaults.js";
import { SlipwayError } from "../../core/errors.js";
import { handleGitHubWebhook, webhookSecretsFrom, type DeployPort } from "../../webhooks/handle.js";
import { readSignedBody, webhookLimitsFrom } from "../../webhooks/read-body.js";
import { errorBody } from "../http-io.js";
import { defineRoute, type ApiReply, type ApiRoute } from "../api-route.js";
import type { AppContext } from "../app-context.js";
import { runsAndNotifierOf } from "../runs-and-notifier.js";
import { own } from "../../core/own.js";

/** Deliveries being read right now, per server: the concurrency limit counts these. */
const readingOf = (app: AppContext) => app.singleton("webhook-reading", () => ({ count: 0 }));

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
      "a token, checked while the body streams in: a missing signature is refused before the body is read, a body " +
      "over SLIPWAY_WEBHOOK_MAX_BYTES (default 5 MiB) with 413, and past SLIPWAY_WEBHOOK_MAX_CONCURRENT (default 4) " +
      "deliveries being read at once with 503. 202 with the runs and deploys it started; 200 for a delivery id already handled (nothing " +
      "triggered again); 401 for a missing or wrong signature; 400 for an unhandled event or a malformed payload.",
    handler: async ({ app, req }): Promise<ApiReply> => {
      const hooks = runsAndNotifierOf(app);
      const secrets = webhookSecretsFrom(hooks.env);
      let body: Buffer = Buffer.alloc(0);
      // Without a secret nothing can verify: handleGitHubWebhook answers 503 without the body.
      if (secrets.length > 0) {
        const limits = webhookLimitsFrom(hooks.env);
        const reading = readingOf(app);
        // Refused before a byte is read; `connection: close` so the unread body is never read.
        if (reading.count >= limits.maxConcurrent) {
          return {
            status: 503,
            body: errorBody("SLIPWAY_UNAVAILABLE", "too many webhook deliveries at once; retry shortly"),
            headers: { "retry-after": "1", connection: "close" },
          };
        }
        reading.count++;
        let read;
        try {
          read = await readSignedBody(req, secrets, limits.maxBytes);
        } finally {
          reading.count--;
        }
        if (!read.ok) {
          app.log.warn(
            { status: read.status, bytesRead: read.bytesRead },
            "webhook delivery refused before it was read whole",
          );
          const code = read.status === 401 ? "SLIPWAY_UNAUTHENTICATED" : "SLIPWAY_INVALID_ARGUMENT";
          return {
            status: read.status,
            body: errorBody(code, read.reason),
            headers: { connection: "close" },
          };
        }
        body = read.body;
      }
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
