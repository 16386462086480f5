import { SERIES_LIMIT, type SeriesPoint } from "../../core/rollout/series.js";
import type { RolloutSeriesStore } from "../ports/rollout-series-store.js";
import { pointFromRow, seriesParams, type SeriesRow } from "../rows/series-rows.js";
import type { PostgresDatabase } from "./database.js";

/** PostgreSQL adapter of the RolloutSeriesStore port (table from migration 20). */
export class PostgresRolloutSeriesStore implements RolloutSeriesStore {
  constructor(private readonly db: PostgresDatabase) {}

  async append(rolloutId: string, point: SeriesPoint): Promise<void> {
    await this.db.run(
      "INSERT INTO rollout_series (rollout_id, at, point) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
      seriesParams(rolloutId, point),
    );
  }

  async series(rolloutId: string, limit = SERIES_LIMIT): Promise<SeriesPoint[]> {
    const rows = await this.db.rows<Pick<SeriesRow, "point">>(
      "SELECT point FROM rollout_series WHERE rollout_id = $1 ORDER BY at DESC LIMIT $2",
      [rolloutId, limit],
    );
    return rows.map(pointFromRow).reverse();
  }

  prune(keep: number): Promise<number> {
    return this.db.run(
      `DELETE FROM rollout_series WHERE rollout_id NOT IN (
        SELECT rollout_id FROM rollout_series GROUP BY rollout_id ORDER BY MAX(at) DESC LIMIT $1)`,
      [keep],
    );
  }
}
