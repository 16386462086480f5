import type { ChannelMove, NewChannelMove } from "../ports/channel-store.js";

// Rows of `channel_moves` (migration 012) as both adapters read them, and what they write.

export interface ChannelMoveRow {
  id: number;
  channel: string;
  service: string;
  version: string;
  previous_version: string | null;
  from_channel: string | null;
  kind: ChannelMove["kind"];
  strategy: ChannelMove["strategy"];
  target: string;
  rollout_id: string | null;
  actor: string;
  reason: string;
  at: string;
}

export const CHANNEL_MOVE_COLUMNS =
  "channel, service, version, previous_version, from_channel, kind, strategy, target, rollout_id, actor, reason, at";

export function channelMoveParams(m: NewChannelMove): (string | null)[] {
  return [
    m.channel,
    m.service,
    m.version,
    m.previous ?? null,
    m.from ?? null,
    m.kind,
    m.strategy,
    m.target,
    m.rolloutId ?? null,
    m.actor,
    m.reason,
    m.at,
  ];
}

export function channelMoveFromRow(r: ChannelMoveRow): ChannelMove {
  return {
    id: Number(r.id),
    channel: r.channel,
    service: r.service,
    version: r.version,
    ...(r.previous_version !== null && { previous: r.previous_version }),
    ...(r.from_channel !== null && { from: r.from_channel }),
    kind: r.kind,
    strategy: r.strategy,
    target: r.target,
    ...(r.rollout_id !== null && { rolloutId: r.rollout_id }),
    actor: r.actor,
    reason: r.reason,
    at: r.at,
  };
}

/** WHERE clause and parameters of a history filter, with `?` or `$n` placeholders. */
export function channelFilter(
  filter: { channel?: string; service?: string },
  placeholder: (n: number) => string,
): { where: string; params: string[] } {
  const params: string[] = [];
  const parts: string[] = [];
  if (filter.channel !== undefined) {
    params.push(filter.channel);
    parts.push(`channel = ${placeholder(params.length)}`);
  }
  if (filter.service !== undefined) {
    params.push(filter.service);
    parts.push(`service = ${placeholder(params.length)}`);
  }
  return { where: parts.length ? `WHERE ${parts.join(" AND ")}` : "", params };
}

export const CURRENT_MOVES_SQL =
  "SELECT * FROM channel_moves WHERE id IN (SELECT max(id) FROM channel_moves GROUP BY channel, service)";
