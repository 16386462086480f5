import { z } from "zod";
import { createUser, issueApiToken } from "../../auth/accounts.js";
import type { StoredToken, StoredUser } from "../../store/ports/access-store.js";
import { displayTokenId } from "../../auth/tokens.js";
import { ROLES, TOKEN_SCOPES } from "../../core/access/roles.js";
import { parseDuration } from "../../core/duration.js";
import { SlipwayError } from "../../core/errors.js";
import { actorOf } from "../actor.js";
import { defineRoute, type ApiRoute } from "../api-route.js";

const role = z.enum(ROLES);
const environmentRoles = z
  .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/), role)
  .optional()
  .describe("Role per environment, replacing the base role there (either direction)");

/** "30d", "12h", "90m": how long a new token lives. */
function expiryMs(text: string): number | undefined {
  const days = /^(\d+)d$/.exec(text.trim());
  return days ? Number(days[1]) * 86_400_000 : parseDuration(text);
}

const tokenBody = z
  .strictObject({
    name: z.string().min(1).max(100).describe("What the token is for, e.g. 'github-actions staging'"),
    role: role.optional().describe("Base role; required unless `scope` makes the token a client key"),
    scope: z
      .enum(TOKEN_SCOPES)
      .optional()
      .describe(
        "flags:evaluate: a client key that can only evaluate flags (OFREP, /api/flags/stream); " +
          "runner: can only take workflow jobs (slipway runner, /api/runner/*)",
      ),
    environmentRoles,
    expiresIn: z
      .string()
      .refine((t) => (expiryMs(t) ?? 0) > 0, { error: 'expected a duration such as "30d" or "12h"' })
      .optional(),
  })
  .refine((body) => body.role !== undefined || body.scope !== undefined, {
    path: ["role"],
    error: `expected a role (${ROLES.join(", ")}) or a scope (${TOKEN_SCOPES.join(", ")})`,
  });
const userBody = z.strictObject({
  name: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
  role,
  environmentRoles,
});

/** A token as listed: never its hash. */
export const publicToken = (t: StoredToken) => ({
  id: t.id,
  display: displayTokenId(t.id),
  name: t.name,
  role: t.role,
  environmentRoles: t.environmentRoles,
  createdBy: t.createdBy,
  createdAt: t.createdAt,
  expiresAt: t.expiresAt,
  lastUsedAt: t.lastUsedAt,
  revokedAt: t.revokedAt,
  scope: t.scope ?? null,
});

/** A user as listed: never the password hash. */
export const publicUser = (u: StoredUser) => ({
  id: u.id,
  name: u.name,
  role: u.role,
  environmentRoles: u.environmentRoles,
  createdAt: u.createdAt,
});

/** `slp_3f9c0a1b2c4d…`, `slp_3f9c0a1b2c4d` or `3f9c0a1b2c4d` all name the same token. */
const tokenIdOf = (text: string) =>
  text
    .replace(/^slp_/, "")
    .replace(/(…|\.\.\.)$/, "")
    .split("_")[0] ?? "";

/** API tokens and dashboard users (admins only). */
export const accessRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/api/tokens",
    tag: "access",
    summary: "API tokens (ids, names, roles, last use; never the secret)",
    handler: async ({ app }) => ({
      status: 200,
      body: { tokens: (await app.access.listTokens()).map(publicToken) },
    }),
  }),
  defineRoute({
    method: "POST",
    path: "/api/tokens",
    tag: "access",
    summary: "Create an API token; the answer holds the secret, shown this once (only its SHA-256 is stored)",
    body: tokenBody,
    handler: async ({ app, body, principal }) => {
      const ttlMs = body.expiresIn === undefined ? undefined : expiryMs(body.expiresIn);
      const { token, record } = await issueApiToken(app.access, {
        name: body.name,
        role: body.role ?? "viewer",
        ...(body.scope ? { scope: body.scope } : {}),
        ...(body.environmentRoles ? { environmentRoles: body.environmentRoles } : {}),
        createdBy: actorOf(principal),
        now: app.now(),
        ...(ttlMs !== undefined ? { ttlMs } : {}),
      });
      return { status: 201, body: { token, record: publicToken(record) } };
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/api/tokens/:id",
    tag: "access",
    summary: "Revoke an API token (immediately)",
    handler: async ({ app, params }) => {
      const id = tokenIdOf(params.id ?? "");
      if (!(await app.access.revokeToken(id, app.now()))) {
        throw new SlipwayError("SLIPWAY_NOT_FOUND", `no active token ${displayTokenId(id)}`);
      }
      const record = await app.access.findToken(id);
      return { status: 200, body: { token: record ? publicToken(record) : { id } } };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/users",
    tag: "access",
    summary: "Dashboard users",
    handler: async ({ app }) => ({
      status: 200,
      body: { users: (await app.access.listUsers()).map(publicUser) },
    }),
  }),
  defineRoute({
    method: "POST",
    path: "/api/users",
    tag: "access",
    summary: "Add a dashboard user (password at least 12 characters, stored as an scrypt hash)",
    body: userBody,
    handler: async ({ app, body }) => {
      const user = await createUser(app.access, {
        name: body.name,
        password: body.password,
        role: body.role,
        ...(body.environmentRoles ? { environmentRoles: body.environmentRoles } : {}),
        now: app.now(),
      });
      return { status: 201, body: { user: publicUser(user) } };
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/api/users/:id",
    tag: "access",
    summary: "Remove a user (by id or name) and end their sessions",
    handler: async ({ app, params }) => {
      const key = params.id ?? "";
      const user = (await app.access.findUserById(key)) ?? (await app.access.findUserByName(key));
      if (!user || !(await app.access.deleteUser(user.id))) {
        throw new SlipwayError("SLIPWAY_NOT_FOUND", `no user ${key}`);
      }
      return { status: 200, body: { user: publicUser(user) } };
    },
  }),
];
