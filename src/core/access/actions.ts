import type { Role } from "./roles.js";

/**
 * Everything a caller can ask the control plane to do. Each API route maps to exactly one action
 * (see ROUTES in routes.ts); adding a route without an action, or an action without a rule, fails
 * typecheck because ACTION_RULES is a Record over this union.
 */
export const ACTIONS = [
  "read",
  "read-audit",
  "deploy",
  "promote",
  "abort",
  "rollback",
  "approve",
  "override-freeze",
  "trigger-run",
  "cancel-run",
  "read-dead-letters",
  "resend-dead-letter",
  "read-tokens",
  "manage-tokens",
  "read-users",
  "manage-users",
  "edit-flags",
  "evaluate-flags",
  "move-asset-aliases",
  "take-jobs",
] as const;
export type Action = (typeof ACTIONS)[number];

/** Whether an action concerns one environment (its rule can be tightened per environment) or none. */
export type ActionScope = "environment" | "global";

export interface ActionRule {
  /** The least role that may perform the action, unless an environment rule asks for more. */
  minimumRole: Role;
  scope: ActionScope;
  /** Mutating actions are audited with actor and reason, and need a CSRF token from cookie sessions. */
  mutating: boolean;
}

export const ACTION_RULES = {
  read: { minimumRole: "viewer", scope: "global", mutating: false },
  "read-audit": { minimumRole: "viewer", scope: "global", mutating: false },
  deploy: { minimumRole: "deployer", scope: "environment", mutating: true },
  promote: { minimumRole: "deployer", scope: "environment", mutating: true },
  abort: { minimumRole: "deployer", scope: "environment", mutating: true },
  rollback: { minimumRole: "deployer", scope: "environment", mutating: true },
  approve: { minimumRole: "deployer", scope: "environment", mutating: true },
  "override-freeze": { minimumRole: "admin", scope: "environment", mutating: true },
  "trigger-run": { minimumRole: "deployer", scope: "global", mutating: true },
  "cancel-run": { minimumRole: "deployer", scope: "global", mutating: true },
  "read-dead-letters": { minimumRole: "deployer", scope: "global", mutating: false },
  "resend-dead-letter": { minimumRole: "deployer", scope: "global", mutating: true },
  "read-tokens": { minimumRole: "admin", scope: "global", mutating: false },
  "manage-tokens": { minimumRole: "admin", scope: "global", mutating: true },
  "read-users": { minimumRole: "admin", scope: "global", mutating: false },
  "manage-users": { minimumRole: "admin", scope: "global", mutating: true },
  "edit-flags": { minimumRole: "deployer", scope: "global", mutating: true },
  // OFREP and the flag change stream; also the only action a flags:evaluate client key may perform.
  "evaluate-flags": { minimumRole: "viewer", scope: "global", mutating: false },
  // Moving or rolling back an alias of a static asset bundle (what /assets/<name>/<alias>/ serves).
  "move-asset-aliases": { minimumRole: "deployer", scope: "global", mutating: true },
  // A runner taking workflow jobs, beating, streaming logs back: only with a `runner` token (can.ts).
  // Not audited one by one (a heartbeat a second); the run and its jobs are the record.
  "take-jobs": { minimumRole: "viewer", scope: "global", mutating: false },
} as const satisfies Readonly<Record<Action, ActionRule>>;

export type EnvironmentAction = {
  [A in Action]: (typeof ACTION_RULES)[A]["scope"] extends "environment" ? A : never;
}[Action];

export function isAction(value: unknown): value is Action {
  return typeof value === "string" && (ACTIONS as readonly string[]).includes(value);
}
