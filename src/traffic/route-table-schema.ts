import { z } from "zod";
import { TOKEN } from "./cookies.js";
import type { RouteTable } from "../core/traffic/index.js";

/**
 * Validation of the table the control plane PUTs. The proxy refuses anything it could not route
 * with, and says which field is wrong so the control plane's log explains the 400.
 */
const upstreamSchema = z.strictObject({
  id: z.string().min(1),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
});

const revisionSchema = z.strictObject({
  id: z.string().min(1),
  weight: z.number().finite().min(0),
  instances: z.array(upstreamSchema),
});

const policySchema = z.strictObject({
  tryTimeoutMs: z.number().int().positive(),
  retries: z.number().int().min(0).max(10),
  maxConnections: z.number().int().positive(),
  maxPending: z.number().int().min(0),
  outlier: z.strictObject({
    consecutiveErrors: z.number().int().positive(),
    ejectionMs: z.number().int().min(0),
    maxEjectedPercent: z.number().min(0).max(100),
  }),
  drainTimeoutMs: z.number().int().min(0),
});

const tokenSchema = z
  .string()
  .regex(TOKEN, { message: "must be a token (letters, digits, !#$%&'*+-.^_`|~)" });
/** Header values travel as is: no control characters (CR/LF would split the header). */
const headerValueSchema = z
  .string()
  .regex(/^[\t\x20-\x7e\x80-\xff]*$/, { message: "must be printable text" });
/** Cookie values to match: RFC 6265 cookie-octets (no spaces, quotes, commas, semicolons or backslashes). */
const cookieValueSchema = z.string().regex(/^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/, {
  message: "must be a cookie value (no spaces, quotes, commas, semicolons or backslashes)",
});

const canarySchema = z.strictObject({
  revision: z.string().min(1),
  header: z.strictObject({ name: tokenSchema, value: headerValueSchema.optional() }).optional(),
  cookie: z.strictObject({ name: tokenSchema, value: cookieValueSchema.optional() }).optional(),
  sticky: z.strictObject({ cookie: tokenSchema, maxAgeS: z.number().int().positive() }).optional(),
});

const routeSchema = z
  .strictObject({
    id: z.string().min(1),
    hosts: z.array(z.string().min(1)),
    pathPrefix: z.string().startsWith("/", { message: 'must start with "/"' }),
    revisions: z.array(revisionSchema),
    policy: policySchema,
    canary: canarySchema.optional(),
    preview: z
      .strictObject({
        key: z
          .string()
          .regex(/^[A-Za-z0-9_-]{43}$/, { message: "must be 32 bytes in base64url (43 characters)" }),
      })
      .optional(),
  })
  .superRefine((route, ctx) => {
    const seen = new Set<string>();
    for (const [index, revision] of route.revisions.entries()) {
      if (seen.has(revision.id)) {
        ctx.addIssue({
          code: "custom",
          path: ["revisions", index, "id"],
          message: `duplicate revision "${revision.id}"`,
        });
      }
      seen.add(revision.id);
    }
    const canary = route.canary;
    if (canary && !seen.has(canary.revision)) {
      ctx.addIssue({
        code: "custom",
        path: ["canary", "revision"],
        message: `canary revision "${canary.revision}" is not one of the route's revisions`,
      });
    }
    if (canary?.sticky && canary.cookie?.name === canary.sticky.cookie) {
      ctx.addIssue({
        code: "custom",
        path: ["canary", "sticky", "cookie"],
        message: `the sticky cookie must differ from the canary cookie "${canary.cookie.name}"`,
      });
    }
  });

export const routeTableSchema = z
  .strictObject({
    generation: z.number().int().min(0),
    routes: z.array(routeSchema),
  })
  .superRefine((table, ctx) => {
    const ids = new Set<string>();
    const places = new Set<string>();
    const revisionOwner = new Map<string, string>();
    for (const [index, route] of table.routes.entries()) {
      if (ids.has(route.id))
        ctx.addIssue({
          code: "custom",
          path: ["routes", index, "id"],
          message: `duplicate route "${route.id}"`,
        });
      ids.add(route.id);
      // Two routes on the same host and prefix would make the choice depend on list order.
      for (const host of route.hosts.length === 0 ? ["*"] : route.hosts) {
        const place = `${host.toLowerCase()} ${route.pathPrefix}`;
        if (places.has(place)) {
          ctx.addIssue({
            code: "custom",
            path: ["routes", index, "pathPrefix"],
            message: `another route already serves host ${host} with prefix ${route.pathPrefix}`,
          });
        }
        places.add(place);
      }
      // A revision's stats and drain state are kept by id, so one revision belongs to one route.
      for (const [r, revision] of route.revisions.entries()) {
        const owner = revisionOwner.get(revision.id);
        if (owner !== undefined && owner !== route.id) {
          ctx.addIssue({
            code: "custom",
            path: ["routes", index, "revisions", r, "id"],
            message: `revision "${revision.id}" is already listed by route "${owner}"`,
          });
        }
        revisionOwner.set(revision.id, route.id);
      }
    }
  });

export type ParseResult = { ok: true; table: RouteTable } | { ok: false; error: string };

/** Validates an untrusted value as a RouteTable; the error names the first bad fields by path. */
export function parseRouteTable(value: unknown): ParseResult {
  const result = routeTableSchema.safeParse(value);
  if (result.success) return { ok: true, table: result.data };
  const problems = result.error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.length === 0 ? "table" : issue.path.map(String).join(".");
    return `${where}: ${issue.message}`;
  });
  return { ok: false, error: `invalid route table: ${problems.join("; ")}` };
}
