import { defineRoute, type ApiRoute } from "../api-route.js";
import { errorBody } from "../http-io.js";
import { buildOpenApi } from "../openapi.js";
import { databaseProblem } from "../store-faults.js";
import { API_VERSION } from "../version.js";

/** Health and the API's own description. */
export const systemRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/api/health",
    tag: "system",
    summary:
      "Liveness: 200 while the control plane runs, 503 with the error while its database fails (no credentials needed)",
    handler: ({ app }) => {
      const problem = databaseProblem(app);
      return problem
        ? { status: 503, body: { ok: false, ...errorBody(problem.code, problem.message) } }
        : { status: 200, body: { ok: true } };
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
