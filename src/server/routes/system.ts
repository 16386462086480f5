import { defineRoute, type ApiRoute } from "../api-route.js";
import { buildOpenApi } from "../openapi.js";
import { API_VERSION } from "../version.js";

/** Health and the API's own description. */
export const systemRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/api/health",
    tag: "system",
    summary:
      "Production health (no credentials needed): 200 while traffic is served (status ok or degraded), 503 when it is down (the proxy, or every instance of a revision taking traffic), with the reasons",
    handler: ({ app }) => {
      const serving = app.controller.health();
      // A load balancer or monitor reads the status code; people read `status` and `problems`.
      return {
        status: serving.status === "down" ? 503 : 200,
        body: {
          ok: serving.status !== "down",
          status: serving.status,
          dataPlane: serving.dataPlane,
          problems: serving.problems,
          checkedAt: serving.checkedAt === undefined ? null : new Date(serving.checkedAt).toISOString(),
        },
      };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/openapi.json",
    tag: "system",
    summary: "This API's OpenAPI 3.1 document, generated from the route declarations",
    handler: ({ routes }) => ({ status: 200, body: buildOpenApi(routes, API_VERSION) }),
  }),
];
