import {
  CHANNEL_HISTORY_LIMIT,
  type ChannelMove,
  type ChannelStore,
  type NewChannelMove,
} from "../ports/channel-store.js";
import {
  CHANNEL_MOVE_COLUMNS,
  channelFilter,
  channelMoveFromRow,
  channelMoveParams,
  CURRENT_MOVES_SQL,
  type ChannelMoveRow,
} from "../rows/channel-rows.js";
import type { PostgresDatabase } from "./database.js";

/** PostgreSQL adapter of the ChannelStore port (table from migration 12). */
export class PostgresChannelStore implements ChannelStore {
  constructor(private readonly db: PostgresDatabase) {}

  async record(move: NewChannelMove): Promise<ChannelMove> {
    const [row] = (await this.db.rows<{ id: number }>(
      `INSERT INTO channel_moves (${CHANNEL_MOVE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      channelMoveParams(move),
    )) as [{ id: number }];
    return { id: Number(row.id), ...move };
  }

  async history(filter: { channel?: string; service?: string; limit?: number } = {}): Promise<ChannelMove[]> {
    const { where, params } = channelFilter(filter, (n) => `$${n}`);
    const rows = await this.db.rows<ChannelMoveRow>(
      `SELECT * FROM channel_moves ${where} ORDER BY id DESC LIMIT $${params.length + 1}`,
      [...params, filter.limit ?? CHANNEL_HISTORY_LIMIT],
    );
    return rows.map(channelMoveFromRow);
  }

  async current(): Promise<ChannelMove[]> {
    const rows = await this.db.rows<ChannelMoveRow>(
      `${CURRENT_MOVES_SQL} ORDER BY channel COLLATE "C", service COLLATE "C"`,
    );
    return rows.map(channelMoveFromRow);
  }
}
