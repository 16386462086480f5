import type { SeriesPoint } from "../../core/rollout/series.js";

// Rows of `rollout_series` (migration 020) as both adapters read and write them.

export interface SeriesRow {
  rollout_id: string;
  at: string;
  point: string;
}

export const seriesParams = (rolloutId: string, point: SeriesPoint): [string, string, string] => [
  rolloutId,
  new Date(point.at).toISOString(),
  JSON.stringify(point),
];

export const pointFromRow = (row: Pick<SeriesRow, "point">): SeriesPoint =>
  JSON.parse(row.point) as SeriesPoint;
