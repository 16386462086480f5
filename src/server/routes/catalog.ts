import { z } from "zod";
import { isFrozen } from "../../core/access/freeze.js";
import { defineRoute, type ApiRoute } from "../api-route.js";
import type { AppContext } from "../app-context.js";

/** What runs where, from the controller: `service/environment` → live version and rollout. */
async function deployed(app: AppContext) {
  const byKey = new Map<string, { live: string | null; rollout: { id: string; phase: string } | null }>();
  for (const env of await app.controller.status()) {
    byKey.set(`${env.service}/${env.environment}`, {
      live: env.live,
      rollout: env.rollout ? { id: env.rollout.id, phase: env.rollout.phase } : null,
    });
  }
  return (service: string, environment: string) =>
    byKey.get(`${service}/${environment}`) ?? { live: null, rollout: null };
}

/** Services, environments and releases: small lists from slipway.yaml and the stores. */
export const catalogRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/api/services",
    tag: "catalog",
    summary: "Services from slipway.yaml, with what each environment serves",
    handler: async ({ app }) => {
      const config = app.config();
      const at = await deployed(app);
      const services = Object.values(config.services).map((s) => ({
        name: s.name,
        path: s.path,
        replicas: s.replicas,
        routes: s.routes,
        environments: Object.keys(config.environments).map((environment) => ({
          environment,
          ...at(s.name, environment),
        })),
      }));
      return { status: 200, body: { services } };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/environments",
    tag: "catalog",
    summary: "Environments from slipway.yaml: strategy, approval, freeze windows (and whether frozen now)",
    handler: async ({ app }) => {
      const config = app.config();
      const at = await deployed(app);
      const now = app.now();
      const environments = Object.values(config.environments).map((e) => {
        const frozen = isFrozen(e.freezeWindows, now);
        return {
          name: e.name,
          strategy: e.strategy,
          ...(e.steps ? { steps: e.steps } : {}),
          approval: e.approval ?? null,
          access: app.environmentRule(e.name) ?? {},
          freezeWindows: e.freezeWindows,
          frozen: frozen.frozen ? { until: frozen.endsAt, reason: frozen.window.reason ?? null } : null,
          services: Object.keys(config.services).map((service) => ({ service, ...at(service, e.name) })),
        };
      });
      return { status: 200, body: { environments } };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/releases",
    tag: "catalog",
    summary: "Built releases, newest first",
    query: z.object({
      service: z.string().optional(),
      limit: z.string().regex(/^\d+$/).optional().describe("At most this many (default 100, at most 1000)"),
    }),
    handler: async ({ app, query }) => {
      const limit = Math.min(Number(query.limit ?? 100) || 100, 1000);
      const releases = await app.store.releases.listReleases(query.service);
      return { status: 200, body: { releases: releases.slice(0, limit) } };
    },
  }),
];
