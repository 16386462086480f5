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
      "Production health (no credentials needed): 200 while traffic is served (status ok or degraded, e.g. a refused flag file), 503 when it is down (the proxy, every instance of a revision taking traffic, or the control plane's database), with the reasons; `replica` (role, leader URL) when replicas share the database",
    handler: async ({ app }) => {
      const serving = app.controller.health();
      // Highly available: which replica answered, and who leads (a follower's serving view is the leader's last).
      const replica = app.info().replica?.();
      const database = await databaseProblem(app);
      // A refused flag file serves its previous flags: degraded, not down.
      const flagProblems = app.flags.problems().map((p) => ({
        level: "degraded" as const,
        subject: "flags",
        message: `${p.message}; its previous flags keep serving`,
      }));
      const problems = [
        ...(database ? [{ level: "down" as const, subject: "database", message: database.message }] : []),
        ...serving.problems,
        ...flagProblems,
      ];
      const down = database !== undefined || serving.status === "down";
      const status = down ? "down" : flagProblems.length > 0 ? "degraded" : serving.status;
      // A load balancer or monitor reads the status code; people read `status` and `problems`.
      return {
        status: down ? 503 : 200,
        body: {
          ok: !down,
          status,
          dataPlane: serving.dataPlane,
          problems,
          checkedAt: serving.checkedAt === undefined ? null : new Date(serving.checkedAt).toISOString(),
          ...(replica ? { replica } : {}),
          ...(database ? errorBody(database.code, database.message) : {}),
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
