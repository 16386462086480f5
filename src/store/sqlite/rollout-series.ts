import { SERIES_LIMIT, type SeriesPoint } from "../../core/rollout/series.js";
import type { RolloutSeriesStore } from "../ports/rollout-series-store.js";
import { pointFromRow, seriesParams, type SeriesRow } from "../rows/series-rows.js";
import { settle, type SqliteDatabase } from "./database.js";

const PRUNE_SQL = `DELETE FROM rollout_series WHERE rollout_id NOT IN (
  SELECT rollout_id FROM rollout_series GROUP BY rollout_id ORDER BY MAX(at) DESC LIMIT ?)`;

/** SQLite adapter of the RolloutSeriesStore port (table from migration 020). */
export class SqliteRolloutSeriesStore implements RolloutSeriesStore {
  constructor(private readonly db: SqliteDatabase) {}

  append(rolloutId: string, point: SeriesPoint): Promise<void> {
    return settle(() => {
      this.db
        .prepare("INSERT INTO rollout_series (rollout_id, at, point) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        .run(...seriesParams(rolloutId, point));
    });
  }

  series(rolloutId: string, limit = SERIES_LIMIT): Promise<SeriesPoint[]> {
    return settle(() =>
      (
        this.db
          .prepare("SELECT point FROM rollout_series WHERE rollout_id = ? ORDER BY at DESC LIMIT ?")
          .all(rolloutId, limit) as Pick<SeriesRow, "point">[]
      )
        .map(pointFromRow)
        .reverse(),
    );
  }

  prune(keep: number): Promise<number> {
    return settle(() => this.db.prepare(PRUNE_SQL).run(keep).changes);
  }
}
