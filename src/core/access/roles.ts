import { own } from "../own.js";
/**
 * Roles, from least to most trusted. A role includes everything the roles before it may do, so a
 * rule only ever names the least role it needs.
 */
export const ROLES = ["viewer", "deployer", "admin"] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 0, deployer: 1, admin: 2 };

/** True when `held` is at least as trusted as `needed`. */
export function atLeast(held: Role, needed: Role): boolean {
  return RANK[held] >= RANK[needed];
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/**
 * Who is asking. Users sign in to the dashboard; tokens are for the CLI and CI. `environmentRoles`
 * overrides `role` per environment, in either direction: a CI token can be `viewer` everywhere but
 * `deployer` on staging, and a deployer can be held to `viewer` on production.
 */
export type Principal =
  | { kind: "anonymous" }
  | {
      kind: "user" | "token";
      /** Stable id (user id or token id), recorded as the actor in audit events. */
      id: string;
      /** Human name shown in the audit trail and dashboard. */
      name: string;
      role: Role;
      environmentRoles?: Readonly<Record<string, Role>>;
      /** Set for a client key: it may only perform the actions its scope allows. */
      scope?: TokenScope;
    };

/**
 * What a token may be limited to beyond its role. A `flags:evaluate` token is a *client key*: it
 * can evaluate flags (OFREP, the flag change stream) and nothing else, so it can ship inside a
 * service or a web page. A `runner` token can only take workflow jobs and report on them
 * (`slipway runner`), so a runner host holds nothing that deploys or reads the state.
 */
export const TOKEN_SCOPES = ["flags:evaluate", "runner"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export const ANONYMOUS: Principal = { kind: "anonymous" };

/** The role a principal holds in one environment (or globally when `environment` is undefined). */
export function effectiveRole(principal: Principal, environment?: string): Role | undefined {
  if (principal.kind === "anonymous") return undefined;
  // An environment named like an Object.prototype member ("constructor") is just an unknown one.
  if (environment !== undefined) return own(principal.environmentRoles, environment) ?? principal.role;
  return principal.role;
}
