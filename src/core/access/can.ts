import { ACTION_RULES, type Action, type EnvironmentAction } from "./actions.js";
import { atLeast, effectiveRole, type Principal, type Role } from "./roles.js";

/**
 * An environment's access rule, taken from its `slipway.yaml` policy. Rules only tighten: an
 * environment can ask for a higher role than ACTION_RULES does, never a lower one.
 */
export interface EnvironmentAccessRule {
  /** Least role per action in this environment, e.g. `{ deploy: "admin" }` for a locked-down prod. */
  minimumRoles?: Partial<Record<EnvironmentAction, Role>>;
  /** Deploys are held until someone other than the requester approves (see approvals.ts). */
  approval?: boolean;
}

/** What an action is performed on. Environment-scoped actions need the environment's name. */
export type Resource =
  { kind: "global" } | { kind: "environment"; environment: string; rule?: EnvironmentAccessRule };

export const GLOBAL: Resource = { kind: "global" };

/**
 * The answer to "may this principal do this?". `hold` means allowed, but the rollout must wait for
 * an approval before it starts. `status` is the HTTP status an API should answer a denial with.
 */
export type Decision =
  | { effect: "allow"; role: Role }
  | { effect: "hold"; role: Role; reason: string }
  | { effect: "deny"; status: 401 | 403; reason: string };

/**
 * Decides whether `principal` may perform `action` on `resource`. Pure: no clock, no I/O.
 *
 * @example
 * can(ci, "deploy", { kind: "environment", environment: "production", rule: { approval: true } })
 * // → { effect: "hold", role: "deployer", reason: "production requires an approval" }
 */
export function can(principal: Principal, action: Action, resource: Resource): Decision {
  if (principal.kind === "anonymous") {
    return { effect: "deny", status: 401, reason: "sign in or send an API token" };
  }
  if (principal.scope === "flags:evaluate" && action !== "evaluate-flags") {
    return {
      effect: "deny",
      status: 403,
      reason: `${principal.name} is a client key (scope flags:evaluate): it can only evaluate flags (/ofrep/v1/*, /api/flags/document, /api/flags/stream, /api/flags/events)`,
    };
  }
  if (principal.scope === "runner" && action !== "take-jobs") {
    return {
      effect: "deny",
      status: 403,
      reason: `${principal.name} is a runner token (scope runner): it can only take workflow jobs (/api/runner/*)`,
    };
  }
  if (action === "take-jobs" && principal.scope !== "runner") {
    return {
      effect: "deny",
      status: 403,
      reason: "taking workflow jobs needs a runner token (slipway token create NAME --scope runner)",
    };
  }
  const rule = ACTION_RULES[action];
  if (rule.scope === "environment" && resource.kind !== "environment") {
    // A programming error in the caller, denied rather than thrown so it can never grant access.
    return { effect: "deny", status: 403, reason: `${action} needs an environment` };
  }
  const environment = resource.kind === "environment" ? resource.environment : undefined;
  const envRule = resource.kind === "environment" ? resource.rule : undefined;
  const role = effectiveRole(principal, rule.scope === "environment" ? environment : undefined);
  if (role === undefined) return { effect: "deny", status: 401, reason: "sign in or send an API token" };

  let needed: Role = rule.minimumRole;
  const tightened = envRule?.minimumRoles?.[action as EnvironmentAction];
  if (tightened !== undefined && atLeast(tightened, needed)) needed = tightened;

  if (!atLeast(role, needed)) {
    const where = environment === undefined ? "" : ` in ${environment}`;
    return {
      effect: "deny",
      status: 403,
      reason: `${action}${where} needs the ${needed} role; ${principal.name} is ${role}`,
    };
  }
  if (action === "deploy" && envRule?.approval === true) {
    return { effect: "hold", role, reason: `${environment ?? "this environment"} requires an approval` };
  }
  return { effect: "allow", role };
}
