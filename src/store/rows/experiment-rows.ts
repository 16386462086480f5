import type {
  ExperimentMetric,
  ExperimentStatus,
  ExposureBucket,
  StoredExperiment,
  VariantTotals,
} from "../ports/experiment-store.js";

// Rows of `experiments` and the aggregates over `experiment_exposures` / `experiment_values`
// (migration 011), as both adapters read and write them.

export interface ExperimentRow {
  key: string;
  flag_key: string;
  description: string;
  control: string;
  allocation: string;
  metrics: string;
  status: ExperimentStatus;
  created_at: string;
  created_by: string;
  started_at: string | null;
  stopped_at: string | null;
  shipped_variant: string | null;
}

export const experimentFromRow = (row: ExperimentRow): StoredExperiment => ({
  key: row.key,
  flagKey: row.flag_key,
  description: row.description,
  control: row.control,
  allocation: JSON.parse(row.allocation) as Record<string, number>,
  metrics: JSON.parse(row.metrics) as ExperimentMetric[],
  status: row.status,
  createdAt: row.created_at,
  createdBy: row.created_by,
  startedAt: row.started_at,
  stoppedAt: row.stopped_at,
  shippedVariant: row.shipped_variant,
});

export const experimentParams = (e: StoredExperiment): unknown[] => [
  e.key,
  e.flagKey,
  e.description,
  e.control,
  JSON.stringify(e.allocation),
  JSON.stringify(e.metrics),
  e.status,
  e.createdAt,
  e.createdBy,
  e.startedAt,
  e.stoppedAt,
  e.shippedVariant,
];

export interface TotalsRow {
  variant: string;
  exposures: number;
  converted: number;
  sum: number | null;
  sum_sq: number | null;
}

export const totalsFromRow = (row: TotalsRow): VariantTotals => ({
  variant: row.variant,
  exposures: Number(row.exposures),
  converted: Number(row.converted),
  sum: Number(row.sum ?? 0),
  sumOfSquares: Number(row.sum_sq ?? 0),
});

export const bucketFromRow = (row: { at: number; variant: string; exposures: number }): ExposureBucket => ({
  at: Number(row.at),
  variant: row.variant,
  exposures: Number(row.exposures),
});

/** Per-variant totals of one event; `?`-style placeholders are rewritten by the PostgreSQL adapter. */
export const TOTALS_SQL = `
SELECT e.variant AS variant, count(*) AS exposures, count(v.user_key) AS converted,
       sum(v.value_sum) AS sum, sum(v.value_sum * v.value_sum) AS sum_sq
FROM experiment_exposures e
LEFT JOIN experiment_values v
  ON v.experiment = e.experiment AND v.user_key = e.user_key AND v.event = $1
WHERE e.experiment = $2
GROUP BY e.variant
ORDER BY e.variant`;
