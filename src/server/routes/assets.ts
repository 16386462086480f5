import { z } from "zod";
import { gateAliasMoves } from "../../assets/alias-gate.js";
import { versionDir } from "../../assets/bundle.js";
import { AssetService, assetsRootOf } from "../../assets/service.js";
import type { Principal } from "../../core/access/roles.js";
import { policyGateOf } from "./evidence.js";
import { actorOf } from "../actor.js";
import { defineRoute, type ApiRoute } from "../api-route.js";
import type { AppContext } from "../app-context.js";

const reason = z
  .string()
  .trim()
  .max(1000)
  .default("")
  .describe("Why: recorded in the alias history and the audit trail");
const overrideReason = (what: string) =>
  z.strictObject({ reason: z.string().trim().min(1, `${what} needs a reason`).max(500) }).optional();
const moveBody = z.strictObject({
  version: z.string().min(1).describe("A published version, e.g. 1.4.0"),
  reason,
  override: overrideReason("a freeze override").describe(
    "Admins: move inside a freeze window of the alias's environment (audited)",
  ),
  policyOverride: overrideReason("a policy override").describe(
    "Admins: move to a version the environment's release policy refuses (audited)",
  ),
});
const rollbackBody = z.strictObject({ reason });

/** This server's AssetService: the store's assets and `<dataDir>/assets`, which the data plane serves. */
const assetsOf = (app: AppContext): AssetService =>
  app.singleton(
    "assets.service",
    () => new AssetService({ store: app.store.assets, root: assetsRootOf(app.dataDir) }),
  );

/** The same service, its alias moves gated for this caller in the alias's environment (docs/assets.md). */
const gatedAssetsOf = (
  app: AppContext,
  principal: Principal,
  overrides: { override?: { reason: string }; policyOverride?: { reason: string } } = {},
): AssetService => {
  const root = assetsRootOf(app.dataDir);
  return new AssetService({
    store: app.store.assets,
    root,
    gate: gateAliasMoves({
      config: app.config(),
      principal,
      environmentRule: app.environmentRule,
      policy: policyGateOf(app),
      filesOf: (name, version) => versionDir(root, name, version),
      record: (event) => app.store.rollouts.recordEvent(event),
      now: app.now(),
      ...(overrides.override ? { freezeOverride: overrides.override } : {}),
      ...(overrides.policyOverride ? { policyOverride: overrides.policyOverride } : {}),
    }),
  });
};

/** Static asset bundles: versions and SRI manifests (read), alias moves and rollbacks (audited). */
export const assetRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/api/assets",
    tag: "assets",
    summary: "Names of the published asset bundles",
    handler: async ({ app }) => ({ status: 200, body: { names: await assetsOf(app).listNames() } }),
  }),
  defineRoute({
    method: "GET",
    path: "/api/assets/:name",
    tag: "assets",
    summary: "A bundle's versions (newest first) and its aliases (alias → version)",
    handler: async ({ app, params }) => ({
      status: 200,
      body: await assetsOf(app).describe(params.name ?? ""),
    }),
  }),
  defineRoute({
    method: "GET",
    path: "/api/assets/:name/versions/:version",
    tag: "assets",
    summary: "A version's SRI manifest: each file's path, size, content type, sha384 integrity and encodings",
    handler: async ({ app, params }) => ({
      status: 200,
      body: await assetsOf(app).manifest(params.name ?? "", params.version ?? ""),
    }),
  }),
  defineRoute({
    method: "GET",
    path: "/api/assets/:name/aliases/:alias/history",
    tag: "assets",
    summary: "An alias's moves, newest first",
    handler: async ({ app, params }) => ({
      status: 200,
      body: { history: await assetsOf(app).history(params.name ?? "", params.alias ?? "") },
    }),
  }),
  defineRoute({
    method: "PUT",
    path: "/api/assets/:name/aliases/:alias",
    tag: "assets",
    summary: "Point an alias at a published version (served at once under /assets/<name>/<alias>/)",
    description:
      "Recorded in the alias's history and audited as `assets.alias.move`. `moved` is null when the alias " +
      "already pointed there. 404 when the version was never published.",
    body: moveBody,
    auditReason: (body) => body.reason || undefined,
    handler: async ({ app, params, body, principal }) => {
      const moved = await gatedAssetsOf(app, principal, body).moveAlias(
        params.name ?? "",
        params.alias ?? "",
        body.version,
        {
          actor: actorOf(principal),
          reason: body.reason,
        },
      );
      return { status: 200, body: { moved: moved ?? null }, audit: { action: "assets.alias.move" } };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api/assets/:name/aliases/:alias/rollback",
    tag: "assets",
    summary: "Return an alias to the version it pointed at before its latest move",
    description: "Audited as `assets.alias.rollback`. 409 when the alias has no earlier version.",
    body: rollbackBody,
    responses: { 409: "The alias has no earlier version, or moved meanwhile" },
    auditReason: (body) => body.reason || undefined,
    handler: async ({ app, params, body, principal }) => {
      const moved = await gatedAssetsOf(app, principal).rollback(params.name ?? "", params.alias ?? "", {
        actor: actorOf(principal),
        reason: body.reason,
      });
      return { status: 200, body: { moved }, audit: { action: "assets.alias.rollback" } };
    },
  }),
];
