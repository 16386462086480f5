import { DEFAULTS } from "../core/defaults.js";
import { gateDeploy } from "../core/access/deploy-gate.js";
import { effectiveRole, type Principal } from "../core/access/roles.js";
import { SlipwayError, type ErrorCode } from "../core/errors.js";
import { own } from "../core/own.js";
import type { ControllerDeployRequest, DeployResult } from "../rollouts/controller.js";
import { actorOf } from "./actor.js";
import type { AppContext } from "./app-context.js";

const REFUSAL_CODE: Record<401 | 403 | 409, ErrorCode> = {
  401: "SLIPWAY_UNAUTHENTICATED",
  403: "SLIPWAY_FORBIDDEN",
  409: "SLIPWAY_CONFLICT",
};

/**
 * The one way a deploy starts from the API (POST /api/deployments and moves into rollout
 * channels): role in the environment (401/403), freeze windows (409 unless an admin overrides with
 * a reason, audited), then approval, which holds the rollout in awaiting-approval. The release
 * policy is the controller's to check once the release is built; only an admin may override it.
 */
export async function gatedDeploy(
  app: AppContext,
  principal: Principal,
  input: Omit<ControllerDeployRequest, "actor" | "hold" | "audit" | "policyOverride">,
  override?: { reason: string },
  policyOverride?: { reason: string },
): Promise<DeployResult> {
  const policy = policyOverride && policyOverrideBy(principal, input.environment, policyOverride.reason);
  const env = own(app.config().environments, input.environment);
  // An unknown environment goes on to the controller, which names the known ones (404).
  if (!env) return app.controller.deploy({ ...input, actor: actorOf(principal), ...policy });
  const rule = app.environmentRule(input.environment);
  const gate = gateDeploy({
    principal,
    environment: input.environment,
    ...(rule ? { rule } : {}),
    freezeWindows: env.freezeWindows,
    now: app.now(),
    ...(override ? { override } : {}),
  });
  if (gate.outcome === "refuse") throw new SlipwayError(REFUSAL_CODE[gate.status], gate.message);
  const audit = gate.audit.freezeOverride ? { audit: { freezeOverride: gate.audit.freezeOverride } } : {};
  const hold =
    gate.outcome === "hold"
      ? {
          hold: {
            reason: gate.reason,
            approvers: env.approval?.approvers ?? [],
            expiryMs: env.approval?.expiryMs ?? DEFAULTS.approvalTtlHours * 3_600_000,
          },
        }
      : {};
  return app.controller.deploy({ ...input, actor: actorOf(principal), ...hold, ...audit, ...policy });
}

/** Only an admin (in that environment) may deploy what the policy refuses. */
function policyOverrideBy(principal: Principal, environment: string, reason: string) {
  if (principal.kind === "anonymous" || effectiveRole(principal, environment) !== "admin")
    throw new SlipwayError("SLIPWAY_FORBIDDEN", `only an admin may override the ${environment} release policy`);
  return { policyOverride: { by: actorOf(principal), reason } };
}
