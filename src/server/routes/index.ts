import type { ApiRoute } from "../api-route.js";
import { accessRoutes } from "./access.js";
import { catalogRoutes } from "./catalog.js";
import { channelRoutes } from "./channels.js";
import { deadLetterRoutes } from "./dead-letters.js";
import { deliveryRoutes } from "./delivery.js";
import { eventRoutes } from "./events.js";
import { experimentRoutes } from "./experiments.js";
import { evidenceRoutes } from "./evidence.js";
import { flagRoutes } from "./flags.js";
import { assetRoutes } from "./assets.js";
import { previewRoutes } from "./preview.js";
import { rolloutRoutes } from "./rollouts.js";
import { runnerRoutes } from "./runner.js";
import { runRoutes } from "./runs.js";
import { sessionRoutes } from "./session.js";
import { systemRoutes } from "./system.js";
import { webhookRoutes } from "./webhooks.js";

/**
 * Every route the server serves. Adding an area is one line here plus its ROUTES entries
 * (src/core/access/routes.ts); the router refuses to start with a route missing from ROUTES.
 */
export const API_ROUTES: readonly ApiRoute[] = [
  ...systemRoutes, // health, openapi.json
  ...sessionRoutes, // dashboard sign-in
  ...rolloutRoutes, // status, deployments, rollbacks, rollouts and their actions, history
  ...previewRoutes, // POST /api/previews (signed preview header values)
  ...catalogRoutes, // services, environments, releases
  ...evidenceRoutes, // evidence attached to releases, policy verdicts
  ...eventRoutes, // GET /api/events (SSE)
  ...accessRoutes, // tokens, users
  ...deliveryRoutes, // GET /api/metrics/delivery, GET /metrics (Prometheus)
  ...runRoutes, // workflow runs (hooks)
  ...runnerRoutes, // /api/runner/*: runners on other hosts take jobs (runner tokens only)
  ...webhookRoutes, // POST /api/webhooks/github (hooks)
  ...deadLetterRoutes, // notification dead letters (hooks)
  ...flagRoutes, // feature flags: /api/flags…, OFREP under /ofrep/v1/
  ...assetRoutes, // static asset bundles: /api/assets…
  ...channelRoutes, // release channels: /api/channels…
  ...experimentRoutes, // experiments on flags, POST /api/flags/events
];
