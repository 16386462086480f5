import type { ChannelConfig, EnvironmentConfig, RolloutChannelConfig } from "../config/types.js";
import { normalizeCanary } from "../config/normalize.js";
import type { ErrorCode } from "../errors.js";

/**
 * Release channels, pure: which environment a rollout channel's move runs in and how, and what a
 * move or a rollback asks for given what the channels hold. The server performs the plan through
 * the deploy path (gate, approvals, freeze windows, rollout) or the flags control plane.
 */

/** What a channel holds of one service: the version of its newest move and the one before it. */
export interface Holding {
  version: string;
  previous?: string;
}

export type ChannelPlan =
  | { kind: "refuse"; code: ErrorCode; message: string }
  | { kind: "noop"; message: string }
  | { kind: "move"; version: string; previous?: string; from?: string };

const refuse = (code: ErrorCode, message: string): ChannelPlan => ({ kind: "refuse", code, message });

/**
 * The environment as a move into `channel` runs it: the channel's strategy and (canary) steps over
 * the environment's own, so a canary channel may sit on an environment that deploys blue-green.
 */
export function channelEnvironment(env: EnvironmentConfig, channel: RolloutChannelConfig): EnvironmentConfig {
  if (channel.strategy === "blue-green") {
    const { steps: _steps, canary: _canary, ...rest } = env;
    return { ...rest, strategy: "blue-green" };
  }
  return {
    ...env,
    strategy: "canary",
    ...(channel.steps && { steps: channel.steps }),
    canary: env.canary ?? normalizeCanary(undefined),
  };
}

/** Where a channel's versions go: its environment, or its flag's variant. */
export function channelTarget(channel: ChannelConfig): string {
  return channel.strategy === "flag" ? channel.flag : channel.environment;
}

/**
 * A move of `service` into `channel`: `version` as given, or the version the `from` channel holds
 * (promote beta → stable). With both, the `from` channel must hold that version, so a promotion
 * never ships something other than what was tried.
 * @example planMove({ channel: stable, service: "web", from: { channel: beta, holding: { version: "1.4.0" } } })
 *   // { kind: "move", version: "1.4.0", from: "beta", previous: <stable's version> }
 */
export function planMove(input: {
  channel: ChannelConfig;
  service: string;
  version?: string;
  from?: { channel: ChannelConfig; holding?: Holding };
  holding?: Holding;
}): ChannelPlan {
  const { channel, service, from, holding } = input;
  if (!channel.services.includes(service))
    return refuse(
      "SLIPWAY_INVALID_ARGUMENT",
      `channel ${channel.name} moves ${channel.services.join(", ")}, not ${service}`,
    );
  let version = input.version;
  if (from) {
    if (from.channel.name === channel.name)
      return refuse("SLIPWAY_INVALID_ARGUMENT", `cannot move ${service} from ${channel.name} into itself`);
    if (!from.channel.services.includes(service))
      return refuse("SLIPWAY_INVALID_ARGUMENT", `channel ${from.channel.name} does not move ${service}`);
    const held = from.holding?.version;
    if (held === undefined)
      return refuse("SLIPWAY_CONFLICT", `channel ${from.channel.name} holds no version of ${service} yet`);
    if (version !== undefined && version !== held)
      return refuse(
        "SLIPWAY_CONFLICT",
        `channel ${from.channel.name} holds ${service} ${held}, not ${version}: promote what was tried there`,
      );
    version = held;
  }
  if (version === undefined)
    return refuse("SLIPWAY_INVALID_ARGUMENT", "name the version to move, or the channel to promote it from");
  if (holding?.version === version)
    return { kind: "noop", message: `channel ${channel.name} already holds ${service} ${version}` };
  return {
    kind: "move",
    version,
    ...(holding && { previous: holding.version }),
    ...(from && { from: from.channel.name }),
  };
}

/** One-command rollback: the channel goes back to the version its newest move replaced. */
export function planChannelRollback(input: {
  channel: ChannelConfig;
  service: string;
  holding?: Holding;
}): ChannelPlan {
  const { channel, service, holding } = input;
  if (!channel.services.includes(service))
    return refuse(
      "SLIPWAY_INVALID_ARGUMENT",
      `channel ${channel.name} moves ${channel.services.join(", ")}, not ${service}`,
    );
  if (holding?.previous === undefined)
    return refuse(
      "SLIPWAY_CONFLICT",
      `channel ${channel.name} has no previous version of ${service} to roll back to${holding ? ` (it holds ${holding.version} since its first move)` : ""}`,
    );
  return { kind: "move", version: holding.previous, previous: holding.version };
}
