import { z } from "zod";
import { isSlipwayError, SlipwayError } from "../../core/errors.js";
import type { FlagCatalog, FlagView } from "../../flags/catalog.js";
import {
  createFlagDocumentHandler,
  FLAG_DOCUMENT_PATH,
  type FlagDocumentHandler,
} from "../../flags/document.js";
import { createOfrepHandler, type OfrepHandler } from "../../flags/ofrep.js";
import type { StoredFlagChange } from "../../store/ports/flag-store.js";
import { actorOf } from "../actor.js";
import { defineRoute, STREAMED, type ApiReply, type ApiRoute } from "../api-route.js";
import type { AppContext } from "../app-context.js";
import { errorBody } from "../http-io.js";
import { openEventStream } from "../event-stream.js";

/** Longest flag key the API accepts (flagd sets no limit; a URL does). */
const MAX_KEY_LENGTH = 256;

const reason = z
  .string()
  .trim()
  .min(1, { error: "say why (it is recorded in the audit trail)" })
  .max(1000)
  .describe("Why: recorded with the change and in the audit trail");

const putBody = z.strictObject({
  flag: z
    .record(z.string(), z.unknown())
    .describe(
      "One flag object in flagd's format: { state, variants, defaultVariant?, targeting?, metadata? }",
    ),
  reason,
});
const stateBody = z.strictObject({ state: z.enum(["ENABLED", "DISABLED"]), reason });
const deleteQuery = z.object({ reason });

/** A change as the API shows it (its key is the flag's, known to the caller). */
const changeView = ({ key: _key, ...change }: StoredFlagChange) => change;

async function catalogOf(app: AppContext): Promise<FlagCatalog> {
  await app.flagsReady;
  return app.flags;
}

function keyOf(params: Record<string, string>): string {
  const key = params.key ?? "";
  if (key.length > MAX_KEY_LENGTH) {
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `a flag key is at most ${MAX_KEY_LENGTH} characters`);
  }
  return key;
}

function viewOrThrow(catalog: FlagCatalog, key: string): FlagView {
  const view = catalog.get(key);
  if (!view) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no flag "${key}"`);
  return view;
}

/** A flag refused by validation answers 422 with the JSON pointer of each problem. */
async function orInvalid(work: () => Promise<ApiReply>): Promise<ApiReply> {
  try {
    return await work();
  } catch (error) {
    if (isSlipwayError(error) && error.code === "SLIPWAY_INVALID_FLAGS") {
      return { status: 422, body: errorBody(error.code, error.message, error.details.problems ?? []) };
    }
    throw error;
  }
}

const auditOf = (change: StoredFlagChange | undefined) =>
  change ? { action: `flag.${change.action}`, reason: change.reason } : {};

/** The OFREP handler of this server, over the catalog's served flags. */
const ofrepOf = (app: AppContext): OfrepHandler =>
  app.singleton("flags.ofrep", () =>
    createOfrepHandler({
      flags: () => app.flags.compiled(),
      now: () => app.now(),
      sticky: (targetingKey) => app.store.experiments.assignments(targetingKey),
    }),
  );

const ofrepRoute = (method: "GET" | "POST", path: string, summary: string) =>
  defineRoute({
    method,
    path,
    tag: "flags",
    summary,
    description:
      "OpenFeature Remote Evaluation Protocol (docs/flags.md). Authenticated by any API token or a " +
      "flags:evaluate client key, as `Authorization: Bearer` or `X-API-Key`. Bodies and error shapes " +
      "are OFREP's, not this API's.",
    handler: async ({ app, req, res }): Promise<ApiReply> => {
      await app.flagsReady;
      await ofrepOf(app)(req, res);
      return STREAMED;
    },
  });

/** The flagd document handler of this server, for in-process providers. */
const documentOf = (app: AppContext): FlagDocumentHandler =>
  app.singleton("flags.document", () => createFlagDocumentHandler({ sets: () => app.flags.sets() }));

/** Feature flags: the served set (files + API), edits with history and audit, OFREP, the change stream. */
export const flagRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/api/flags",
    tag: "flags",
    summary: "Every served flag (repository files and API-defined), sorted by key, with refused flag files",
    handler: async ({ app }) => {
      const catalog = await catalogOf(app);
      return { status: 200, body: { flags: catalog.list(), problems: catalog.problems() } };
    },
  }),
  defineRoute({
    method: "GET",
    path: FLAG_DOCUMENT_PATH,
    tag: "flags",
    summary: "The whole served flag set as one flagd document, with a strong ETag (304 on If-None-Match)",
    description:
      "For in-process providers (@slipway/openfeature-server-provider) that evaluate with Slipway's " +
      "evaluator. Accepts a flags:evaluate client key (also as `X-API-Key`) or any API token.",
    handler: async ({ app, req, res }): Promise<ApiReply> => {
      await catalogOf(app);
      await documentOf(app)(req, res);
      return STREAMED;
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/flags/stream",
    tag: "flags",
    summary: "Server-sent events: `event: flags` with `{ etag }` whenever the served flag set changes",
    description:
      "For OpenFeature providers: on each event, refetch the bulk OFREP evaluation. The first event is " +
      "sent at once. Accepts a flags:evaluate client key (also as `X-API-Key`) or any API token.",
    produces: "text/event-stream",
    handler: async ({ app, req, res, auth }): Promise<ApiReply> => {
      const catalog = await catalogOf(app);
      openEventStream({ app, req, res, auth }, "evaluate-flags", (send) => {
        const sendEtag = (etag: string) => send(`event: flags\ndata: ${JSON.stringify({ etag })}\n\n`);
        sendEtag(catalog.etag());
        return catalog.subscribe(sendEtag);
      });
      return STREAMED;
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/flags/:key",
    tag: "flags",
    summary: "One flag and its change history (newest first)",
    handler: async ({ app, params }) => {
      const catalog = await catalogOf(app);
      const key = keyOf(params);
      const flag = viewOrThrow(catalog, key);
      const history = flag.source === "api" ? await catalog.history(key) : [];
      return { status: 200, body: { flag, history: history.map(changeView) } };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/flags/:key/history",
    tag: "flags",
    summary: "A flag's changes through the API, newest first (also of a deleted flag)",
    handler: async ({ app, params }) => {
      const catalog = await catalogOf(app);
      const history = await catalog.history(keyOf(params));
      if (history.length === 0 && !catalog.get(keyOf(params))) {
        throw new SlipwayError("SLIPWAY_NOT_FOUND", `no flag "${keyOf(params)}" and no history of one`);
      }
      return { status: 200, body: { history: history.map(changeView) } };
    },
  }),
  defineRoute({
    method: "PUT",
    path: "/api/flags/:key",
    tag: "flags",
    summary: "Create or replace an API-defined flag (201 when created); 422 with JSON pointers when invalid",
    description:
      "The flag is validated as flagd would (its published schema, a defaultVariant naming a variant, a " +
      "targeting rule that compiles); a refused flag changes nothing. 409 when a repository flag file " +
      "defines the key.",
    body: putBody,
    responses: {
      201: "Created",
      409: "A repository flag file defines this key (the message names it)",
      422: "The flag is not valid: `problems` are JSON pointers with what was expected",
    },
    auditReason: (body) => body.reason,
    handler: ({ app, params, body, principal }) =>
      orInvalid(async () => {
        const catalog = await catalogOf(app);
        const key = keyOf(params);
        const change = await catalog.put(key, body.flag, { actor: actorOf(principal), reason: body.reason });
        return {
          status: change?.action === "created" ? 201 : 200,
          body: { flag: viewOrThrow(catalog, key) },
          audit: auditOf(change),
        };
      }),
  }),
  defineRoute({
    method: "POST",
    path: "/api/flags/:key/state",
    tag: "flags",
    summary: "Enable or disable an API-defined flag (a kill switch)",
    body: stateBody,
    responses: { 404: "No API-defined flag of this key", 409: "A repository flag file defines this key" },
    auditReason: (body) => body.reason,
    handler: async ({ app, params, body, principal }) => {
      const catalog = await catalogOf(app);
      const key = keyOf(params);
      const change = await catalog.setState(key, body.state, {
        actor: actorOf(principal),
        reason: body.reason,
      });
      return { status: 200, body: { flag: viewOrThrow(catalog, key) }, audit: auditOf(change) };
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/api/flags/:key",
    tag: "flags",
    summary: "Delete an API-defined flag (?reason= is required); its history stays",
    query: deleteQuery,
    responses: {
      204: "Deleted",
      404: "No API-defined flag of this key",
      409: "A repository flag file defines this key",
    },
    handler: async ({ app, params, query, principal }) => {
      const catalog = await catalogOf(app);
      const key = keyOf(params);
      const change = await catalog.remove(key, { actor: actorOf(principal), reason: query.reason });
      return { status: 204, body: undefined, audit: auditOf(change) };
    },
  }),
  ofrepRoute(
    "POST",
    "/ofrep/v1/evaluate/flags",
    "OFREP bulk evaluation of every enabled flag (ETag / If-None-Match)",
  ),
  ofrepRoute("POST", "/ofrep/v1/evaluate/flags/:key", "OFREP evaluation of one flag"),
  ofrepRoute("GET", "/ofrep/v1/configuration", "OFREP provider configuration (polling interval)"),
];
