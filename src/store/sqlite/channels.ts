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
import { settle, type SqliteDatabase } from "./database.js";

/** SQLite adapter of the ChannelStore port (table from migration 012). */
export class SqliteChannelStore implements ChannelStore {
  constructor(private readonly db: SqliteDatabase) {}

  record(move: NewChannelMove): Promise<ChannelMove> {
    return settle(() => {
      const inserted = this.db
        .prepare(
          `INSERT INTO channel_moves (${CHANNEL_MOVE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(...channelMoveParams(move));
      return { id: Number(inserted.lastInsertRowid), ...move };
    });
  }

  history(filter: { channel?: string; service?: string; limit?: number } = {}): Promise<ChannelMove[]> {
    return settle(() => {
      const { where, params } = channelFilter(filter, () => "?");
      const rows = this.db
        .prepare(`SELECT * FROM channel_moves ${where} ORDER BY id DESC LIMIT ?`)
        .all(...params, filter.limit ?? CHANNEL_HISTORY_LIMIT) as ChannelMoveRow[];
      return rows.map(channelMoveFromRow);
    });
  }

  current(): Promise<ChannelMove[]> {
    return settle(() =>
      (this.db.prepare(`${CURRENT_MOVES_SQL} ORDER BY channel, service`).all() as ChannelMoveRow[]).map(
        channelMoveFromRow,
      ),
    );
  }
}
