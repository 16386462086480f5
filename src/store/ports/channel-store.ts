import type { ChannelStrategy } from "../../core/config/types.js";

/**
 * Release channels' moves (stable, beta, alpha…): which version of which service each channel
 * was given, by whom, why and how. A channel's current version is its newest move; its previous
 * version, the one a rollback returns to, is that move's `previous`. Times are ISO 8601 strings.
 */
export interface ChannelMove {
  /** Increasing over all channels: a later move has a larger id. */
  id: number;
  channel: string;
  service: string;
  version: string;
  /** The version the channel held before this move (none on its first). */
  previous?: string;
  /** The channel the version was promoted from (`--from beta`). */
  from?: string;
  kind: "move" | "rollback";
  strategy: ChannelStrategy;
  /** The environment the rollout ran in, or the flag whose variant took the version. */
  target: string;
  /** The rollout a blue-green or canary move started. */
  rolloutId?: string;
  actor: string;
  reason: string;
  at: string;
}

export type NewChannelMove = Omit<ChannelMove, "id">;

/** Moves listed unless asked otherwise. */
export const CHANNEL_HISTORY_LIMIT = 100;

export interface ChannelStore {
  /** Appends a move; the answer carries its id. */
  record(move: NewChannelMove): Promise<ChannelMove>;
  /** Moves matching the filter, newest first, at most `limit` (CHANNEL_HISTORY_LIMIT). */
  history(filter?: { channel?: string; service?: string; limit?: number }): Promise<ChannelMove[]>;
  /** The newest move of each (channel, service): what each channel holds now, sorted by channel, service. */
  current(): Promise<ChannelMove[]>;
}
