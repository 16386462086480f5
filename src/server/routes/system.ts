import { defineRoute, type ApiRoute } from "../api-route.js";
import { buildOpenApi } from "../openapi.js";
import { API_VERSION } from "../version.js";

/** Health and the API's own description. */
export const systemRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/api/health",
    tag: "system",
    summary: "Liveness: answers while the control plane runs (no credentials needed)",
    handler: () => ({ status: 200, body: { ok: true } }),
  }),
  defineRoute({
    method: "GET",
    path: "/api/openapi.json",
    tag: "system",
    summary: "This API's OpenAPI 3.1 document, generated from the route declarations",
    handler: ({ routes }) => ({ status: 200, body: buildOpenApi(routes, API_VERSION) }),
  }),
];
