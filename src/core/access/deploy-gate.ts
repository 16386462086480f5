import { can, type EnvironmentAccessRule } from "./can.js";
import { checkFreeze, type FreezeWindow } from "./freeze.js";
import type { Principal } from "./roles.js";

/**
 * The one decision a deploy request needs, in the order that gives the most useful answer:
 * may this principal deploy here at all, is the environment frozen (and overridden), and must the
 * rollout wait for an approval. Pure; the caller records `audit` in the rollout's audit event.
 */
export type DeployGate =
  | { outcome: "start"; audit: DeployAudit }
  | { outcome: "hold"; reason: string; audit: DeployAudit }
  | { outcome: "refuse"; status: 401 | 403 | 409; message: string };

export interface DeployAudit {
  actor: string;
  /** Present when an admin deployed through a freeze window. */
  freezeOverride?: { by: string; reason: string; windowEndsAt: number };
}

export function gateDeploy(args: {
  principal: Principal;
  environment: string;
  rule?: EnvironmentAccessRule;
  freezeWindows?: readonly FreezeWindow[];
  now: number;
  override?: { reason: string };
}): DeployGate {
  const decision = can(args.principal, "deploy", {
    kind: "environment",
    environment: args.environment,
    ...(args.rule ? { rule: args.rule } : {}),
  });
  if (decision.effect === "deny" || args.principal.kind === "anonymous") {
    return {
      outcome: "refuse",
      status: decision.effect === "deny" ? decision.status : 401,
      message: decision.effect === "deny" ? decision.reason : "sign in or send an API token",
    };
  }
  const audit: DeployAudit = { actor: args.principal.id };
  const freeze = checkFreeze({
    windows: args.freezeWindows ?? [],
    environment: args.environment,
    now: args.now,
    principal: args.principal,
    ...(args.override ? { override: args.override } : {}),
  });
  switch (freeze.outcome) {
    case "frozen":
      return { outcome: "refuse", status: freeze.status, message: freeze.message };
    case "overridden":
      audit.freezeOverride = { by: freeze.by, reason: freeze.reason, windowEndsAt: freeze.freeze.endsAt };
      break;
    case "open":
      break;
  }
  if (decision.effect === "hold") return { outcome: "hold", reason: decision.reason, audit };
  return { outcome: "start", audit };
}
