import { z } from "zod";
import { ACTION_RULES } from "../core/access/actions.js";
import { ROUTES } from "../core/access/routes.js";
import { SESSION_COOKIE } from "../auth/sessions.js";
import type { ApiRoute } from "./api-route.js";

type JsonSchema = Record<string, unknown>;

/** JSON Schema of what a client sends (zod 4's toJSONSchema, input side: defaults are optional). */
function schemaOf(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  delete json.$schema;
  return json;
}

const ERROR_SCHEMA: JsonSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", description: "SLIPWAY_* code (docs/errors.md)" },
        message: { type: "string" },
        problems: { type: "array", items: { type: "string" } },
      },
    },
  },
};

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

/**
 * The OpenAPI 3.1 document of the API, generated from the same route declarations the router
 * serves, with each operation's access action (`x-slipway-action`) from ROUTES.
 */
export function buildOpenApi(routes: readonly ApiRoute[], version: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const action = ROUTES.find((p) => p.method === route.method && p.path === route.path)?.action ?? "public";
    const openPath = route.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
    const parameters: unknown[] = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    if (route.query) {
      const query = schemaOf(route.query);
      const required = new Set((query.required as string[] | undefined) ?? []);
      for (const [name, schema] of Object.entries((query.properties as Record<string, JsonSchema>) ?? {})) {
        parameters.push({ name, in: "query", required: required.has(name), schema });
      }
    }
    const produces = route.produces ?? "application/json";
    const responses: Record<string, unknown> = {
      "200": {
        description: "OK",
        content: { [produces]: { schema: produces === "application/json" ? {} : { type: "string" } } },
      },
      "400": errorResponse("Invalid input; `problems` names each field"),
    };
    for (const [code, description] of Object.entries(route.responses ?? {})) {
      responses[code] = Number(code) >= 400 ? errorResponse(description) : { description };
    }
    if (action !== "public") {
      responses["401"] = errorResponse("No, or an invalid, token or session");
      responses["403"] = errorResponse("The role does not allow this here, or the CSRF header is missing");
      responses["429"] = errorResponse("Rate limited; see Retry-After");
    }
    const operation: Record<string, unknown> = {
      operationId: `${route.method.toLowerCase()}${openPath.replace(/[{}]/g, "").replace(/(^|[/._-])([a-z])/g, (_, _s: string, c: string) => c.toUpperCase())}`,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      "x-slipway-action": action,
      ...(action !== "public" ? { "x-slipway-mutating": ACTION_RULES[action].mutating } : {}),
      security: action === "public" ? [] : [{ bearer: [] }, { session: [] }],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: schemaOf(route.body) } },
            },
          }
        : {}),
      responses,
    };
    (paths[openPath] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Slipway control plane API",
      version,
      description:
        "Authenticate with `Authorization: Bearer slp_…` or the dashboard session cookie plus the " +
        "`x-slipway-csrf` header on mutations. Errors are `{ error: { code, message, problems? } }`.",
    },
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "API token slp_<id>_<secret>" },
        session: { type: "apiKey", in: "cookie", name: SESSION_COOKIE },
      },
    },
  };
}
