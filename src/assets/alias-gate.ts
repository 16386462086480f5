import type { EnvironmentAccessRule } from "../core/access/can.js";
import { gateDeploy } from "../core/access/deploy-gate.js";
import { effectiveRole, type Principal } from "../core/access/roles.js";
import type { ProjectConfig } from "../core/config/types.js";
import { SlipwayError, type ErrorCode } from "../core/errors.js";
import { own } from "../core/own.js";
import { refusalMessage, type PolicyVerdict } from "../core/policy/types.js";
import type { StoredEvent } from "../store/ports/rollout-store.js";
import type { AliasMoveGate, AliasMoveRequest } from "./service.js";

/** The environment whose gate a move of `name`'s `alias` passes (slipway.yaml `assets`), if any. */
function aliasEnvironment(config: ProjectConfig, name: string, alias: string): string | undefined {
  return own(own(config.assets, name)?.aliases, alias);
}

export interface AliasGateOptions {
  config: ProjectConfig;
  /** Who moves the alias: the API caller, or the operator of the CLI (see docs/assets.md). */
  principal: Principal;
  environmentRule?: (environment: string) => EnvironmentAccessRule | undefined;
  /** The release policy judge (ReleasePolicyGate); `files` is the version's published directory. */
  policy: {
    verdict(
      service: string,
      version: string,
      environment: string,
      options: { files?: string },
    ): Promise<PolicyVerdict>;
  };
  /** Where a published version's files are (scanned for secrets when the policy asks). */
  filesOf: (name: string, version: string) => string;
  /** Records an audit event (`slipway history`). */
  record: (event: Omit<StoredEvent, "seq" | "at">) => Promise<void>;
  now: number;
  /** Move inside a freeze window (admins only; audited). */
  freezeOverride?: { reason: string };
  /** Move to a version the policy refuses (admins only; audited). */
  policyOverride?: { reason: string };
}

const REFUSAL_CODE: Record<401 | 403 | 409, ErrorCode> = {
  401: "SLIPWAY_UNAUTHENTICATED",
  403: "SLIPWAY_FORBIDDEN",
  409: "SLIPWAY_CONFLICT",
};

/**
 * An alias mapped to an environment moves like a deploy into it: the role the environment asks
 * for a deploy, its freeze windows, its approval rule and its release policy judged on the evidence
 * of the version moved to (attached under the bundle's name). Every refusal and override is
 * audited. A rollback needs only the role: it returns the alias to the version it served just
 * before, which passed this gate when it was moved there, and refusing it in a freeze or after the
 * policy tightened would keep the version that broke something live.
 */
export function gateAliasMoves(options: AliasGateOptions): AliasMoveGate {
  const { principal } = options;
  const actor = principal.kind === "anonymous" ? "anonymous" : principal.name;
  return async (move: AliasMoveRequest) => {
    const environment = aliasEnvironment(options.config, move.name, move.alias);
    if (environment === undefined) return;
    const env = own(options.config.environments, environment);
    const isAdmin = effectiveRole(principal, environment) === "admin";
    const record = (type: string, message: string, reason?: string) =>
      options.record({
        actor,
        type,
        service: move.name,
        environment,
        message,
        ...(reason ? { reason } : move.reason ? { reason: move.reason } : {}),
      });
    const refuse = async (code: ErrorCode, message: string, type = "assets.alias.refused") => {
      await record(type, message);
      throw new SlipwayError(code, message);
    };
    const what = `moving ${move.name} ${move.alias} to ${move.toVersion} (${environment})`;
    const rule = options.environmentRule?.(environment);
    const gate = gateDeploy({
      principal,
      environment,
      ...(rule ? { rule } : {}),
      freezeWindows: move.action === "rollback" ? [] : (env?.freezeWindows ?? []),
      now: options.now,
      ...(options.freezeOverride ? { override: options.freezeOverride } : {}),
    });
    if (gate.outcome === "refuse") return refuse(REFUSAL_CODE[gate.status], `${what}: ${gate.message}`);
    if (move.action === "rollback") return;
    const frozen = gate.audit.freezeOverride;
    if (frozen)
      await record(
        "assets.alias.freeze-override",
        `${what} inside a freeze window (until ${new Date(frozen.windowEndsAt).toISOString()}) allowed by ${frozen.by}`,
        frozen.reason,
      );
    // Nothing holds an alias move the way a rollout waits in awaiting-approval: an admin's move is
    // the approval, anyone else's is refused.
    if (gate.outcome === "hold" && !isAdmin)
      return refuse(
        "SLIPWAY_FORBIDDEN",
        `${what}: ${gate.reason}; alias moves are not held, so only an admin may move it`,
      );
    const verdict = await options.policy.verdict(move.name, move.toVersion, environment, {
      files: options.filesOf(move.name, move.toVersion),
    });
    if (verdict.allowed) return;
    const message = `${move.name} ${move.alias}: ${refusalMessage(verdict)}`;
    if (!options.policyOverride) return refuse("SLIPWAY_CONFLICT", message, "assets.alias.policy-refused");
    if (!isAdmin)
      return refuse("SLIPWAY_FORBIDDEN", `only an admin may override the ${environment} release policy`);
    await record(
      "assets.alias.policy-override",
      `policy overridden by ${actor}: ${message}`,
      options.policyOverride.reason,
    );
  };
}
