import { can, GLOBAL } from "../core/access/can.js";
import type { Principal } from "../core/access/roles.js";
import {
  channelTarget,
  planChannelRollback,
  planMove,
  type ChannelPlan,
  type Holding,
} from "../core/channels/index.js";
import { routesFor } from "../core/config/map.js";
import type { ChannelConfig, FlagChannelConfig, ProjectConfig } from "../core/config/types.js";
import { SlipwayError } from "../core/errors.js";
import { own } from "../core/own.js";
import { liveRevision } from "../core/rollout/traffic.js";
import type { DeployResult } from "../rollouts/controller.js";
import { refOf } from "../rollouts/revision-ids.js";
import type { ChannelMove } from "../store/ports/channel-store.js";
import { actorOf } from "./actor.js";
import type { AppContext } from "./app-context.js";
import { gatedDeploy } from "./gated-deploy.js";

/**
 * Release channels at the edge: moves and rollbacks performed through the deploy path (a move into
 * a blue-green or canary channel is a rollout in its environment, gated like any deploy) or the
 * flags control plane (a flag channel's variant takes the version), each recorded as a channel move
 * with actor and reason. The decisions themselves are core/channels' pure plans.
 */

export interface ChannelMoveRequest {
  service: string;
  version?: string;
  from?: string;
  reason: string;
  /** Move into a frozen environment (admins only; audited). */
  override?: { reason: string };
}

export interface ChannelMoveResult {
  result: "moved" | "noop";
  message: string;
  move?: ChannelMove;
  /** The rollout's answer, for blue-green and canary channels. */
  deploy?: DeployResult;
}

export function channelOf(config: ProjectConfig, name: string): ChannelConfig {
  const channel = own(config.channels, name);
  if (!channel) {
    const known = Object.keys(config.channels);
    throw new SlipwayError(
      "SLIPWAY_NOT_FOUND",
      `no channel ${name} in slipway.yaml (${known.length ? `channels: ${known.join(", ")}` : "it declares no channels"})`,
    );
  }
  return channel;
}

/** The environment a move into `name` deploys to (undefined for flag channels and unknown names). */
export function channelEnvironmentName(app: AppContext, name: string): string | undefined {
  const channel = own(app.config().channels, name);
  return channel && channel.strategy !== "flag" ? channel.environment : undefined;
}

async function holdings(app: AppContext): Promise<Map<string, ChannelMove>> {
  return new Map((await app.store.channels.current()).map((m) => [`${m.channel}\u0000${m.service}`, m]));
}

const holdingOf = (
  moves: Map<string, ChannelMove>,
  channel: string,
  service: string,
): Holding | undefined => {
  const m = moves.get(`${channel}\u0000${service}`);
  return m && { version: m.version, ...(m.previous !== undefined && { previous: m.previous }) };
};

function mustMove(plan: ChannelPlan): Extract<ChannelPlan, { kind: "move" | "noop" }> {
  if (plan.kind === "refuse") throw new SlipwayError(plan.code, plan.message);
  return plan;
}

/** Move a version of a service into a channel (or promote what another channel holds). */
export async function moveIntoChannel(
  app: AppContext,
  principal: Principal,
  name: string,
  request: ChannelMoveRequest,
): Promise<ChannelMoveResult> {
  const config = app.config();
  const channel = channelOf(config, name);
  const from = request.from === undefined ? undefined : channelOf(config, request.from);
  const moves = await holdings(app);
  // Before its first move a channel holds what serves, so that move can be rolled back too.
  const live = moves.has(`${channel.name}\u0000${request.service}`)
    ? undefined
    : await liveVersion(app, channel, request.service);
  const holding = holdingOf(moves, channel.name, request.service) ?? (live ? { version: live } : undefined);
  const fromHolding = from && holdingOf(moves, from.name, request.service);
  const plan = mustMove(
    planMove({
      channel,
      service: request.service,
      ...(request.version !== undefined && { version: request.version }),
      ...(from && { from: { channel: from, ...(fromHolding && { holding: fromHolding }) } }),
      ...(holding && { holding }),
    }),
  );
  if (plan.kind === "noop") return { result: "noop", message: plan.message };
  return perform(app, principal, channel, request, plan, "move");
}

/** Return a channel to the version its newest move replaced. */
export async function rollBackChannel(
  app: AppContext,
  principal: Principal,
  name: string,
  request: { service: string; reason: string },
): Promise<ChannelMoveResult> {
  const channel = channelOf(app.config(), name);
  const holding = holdingOf(await holdings(app), channel.name, request.service);
  const plan = mustMove(
    planChannelRollback({ channel, service: request.service, ...(holding && { holding }) }),
  );
  if (plan.kind === "noop") return { result: "noop", message: plan.message };
  return perform(app, principal, channel, request, plan, "rollback");
}

async function perform(
  app: AppContext,
  principal: Principal,
  channel: ChannelConfig,
  request: { service: string; reason: string; override?: { reason: string } },
  plan: Extract<ChannelPlan, { kind: "move" }>,
  kind: ChannelMove["kind"],
): Promise<ChannelMoveResult> {
  const { service, reason } = request;
  const actor = actorOf(principal);
  let deploy: DeployResult | undefined;
  if (channel.strategy === "flag") {
    await setFlagVariant(app, principal, channel, plan.version, `channel ${channel.name}: ${reason}`);
  } else if (kind === "rollback") {
    deploy = await app.controller.rollback({
      service,
      environment: channel.environment,
      to: plan.version,
      reason: `channel ${channel.name} rollback: ${reason}`,
      actor,
    });
  } else {
    deploy = await gatedDeploy(
      app,
      principal,
      {
        service,
        environment: channel.environment,
        version: plan.version,
        channel: channel.name,
        reason: `channel ${channel.name}${plan.from ? ` (from ${plan.from})` : ""}: ${reason}`,
      },
      request.override,
    );
  }
  const move = await app.store.channels.record({
    channel: channel.name,
    service,
    version: plan.version,
    ...(plan.previous !== undefined && { previous: plan.previous }),
    ...(plan.from !== undefined && { from: plan.from }),
    kind,
    strategy: channel.strategy,
    target: channelTarget(channel),
    ...(deploy?.rollout && { rolloutId: deploy.rollout.id }),
    actor,
    reason,
    at: new Date(app.now()).toISOString(),
  });
  const verb = kind === "rollback" ? "rolled back to" : "now holds";
  const how =
    channel.strategy === "flag"
      ? `flag ${channel.flag} variant ${channel.variant} = ${plan.version}`
      : (deploy?.message ?? "");
  return {
    result: "moved",
    message: `channel ${channel.name} ${verb} ${service} ${plan.version}${plan.previous ? ` (was ${plan.previous})` : ""}: ${how}`,
    move,
    ...(deploy && { deploy }),
  };
}

/**
 * A flag channel's move is a flag change through the flags control plane: the channel's variant
 * takes the version, validated and recorded in the flag's history like any edit.
 */
async function setFlagVariant(
  app: AppContext,
  principal: Principal,
  channel: FlagChannelConfig,
  version: string,
  reason: string,
): Promise<void> {
  const decision = can(principal, "edit-flags", GLOBAL);
  if (decision.effect === "deny")
    throw new SlipwayError(
      decision.status === 401 ? "SLIPWAY_UNAUTHENTICATED" : "SLIPWAY_FORBIDDEN",
      decision.reason,
    );
  await app.flagsReady;
  const view = app.flags.get(channel.flag);
  if (view?.source === "file")
    throw new SlipwayError(
      "SLIPWAY_CONFLICT",
      `flag ${channel.flag} is defined in ${view.file ?? "a repository file"}; a channel moves API-defined flags only`,
    );
  const stored = await app.store.flags.get(channel.flag);
  if (!stored)
    throw new SlipwayError(
      "SLIPWAY_NOT_FOUND",
      `no flag ${channel.flag}: create it (PUT /api/flags/${channel.flag}) with a variant ${channel.variant} and targeting for the channel's users`,
    );
  const { definition } = stored;
  if (!Object.hasOwn(definition.variants, channel.variant))
    throw new SlipwayError(
      "SLIPWAY_CONFLICT",
      `flag ${channel.flag} has no variant ${channel.variant} (variants: ${Object.keys(definition.variants).join(", ")})`,
    );
  await app.flags.put(
    channel.flag,
    { ...definition, variants: { ...definition.variants, [channel.variant]: version } },
    { actor: actorOf(principal), reason },
  );
}

/** A channel as the API and dashboard show it: per service, what it holds and what actually serves. */
export async function channelViews(app: AppContext, only?: string) {
  const config = app.config();
  const moves = await holdings(app);
  const channels = only === undefined ? Object.values(config.channels) : [channelOf(config, only)];
  await app.flagsReady;
  return Promise.all(
    channels.map(async (channel) => ({
      name: channel.name,
      strategy: channel.strategy,
      ...(channel.description !== undefined && { description: channel.description }),
      ...(channel.strategy === "flag"
        ? { flag: channel.flag, variant: channel.variant }
        : {
            environment: channel.environment,
            ...(channel.strategy === "canary" && { steps: channel.steps ?? [] }),
          }),
      services: await Promise.all(
        channel.services.map(async (service) => {
          const move = moves.get(`${channel.name}\u0000${service}`);
          const rollout = move?.rolloutId ? await app.controller.rolloutById(move.rolloutId) : undefined;
          return {
            service,
            version: move?.version ?? null,
            previous: move?.previous ?? null,
            movedAt: move?.at ?? null,
            movedBy: move?.actor ?? null,
            live: await liveVersion(app, channel, service),
            ...(channel.strategy !== "flag" && {
              routes: routesFor(config, service, channel.environment).map((r) => ({
                id: r.id,
                hosts: r.hosts,
                pathPrefix: r.pathPrefix,
              })),
            }),
            rollout: rollout
              ? { id: rollout.id, phase: rollout.phase, outcome: rollout.outcome ?? null }
              : null,
          };
        }),
      ),
    })),
  );
}

/** What serves now: the environment's live revision, or the flag variant's value. */
async function liveVersion(app: AppContext, channel: ChannelConfig, service: string): Promise<string | null> {
  if (channel.strategy === "flag") {
    const value = app.flags.get(channel.flag)?.variants[channel.variant];
    return value === undefined ? null : typeof value === "string" ? value : JSON.stringify(value);
  }
  const traffic = await app.store.rollouts.traffic(service, channel.environment);
  const live = traffic && liveRevision(traffic.traffic);
  return live ? refOf(live).version : null;
}
