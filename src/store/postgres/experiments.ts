import type {
  ExperimentMetric,
  ExperimentStatus,
  ExperimentStore,
  Exposure,
  ExposureBucket,
  ExposureReport,
  MetricEvent,
  StoredExperiment,
  VariantTotals,
} from "../ports/experiment-store.js";
import {
  bucketFromRow,
  experimentFromRow,
  experimentParams,
  totalsFromRow,
  TOTALS_SQL,
  type ExperimentRow,
  type TotalsRow,
} from "../rows/experiment-rows.js";
import type { PostgresDatabase } from "./database.js";

/**
 * PostgreSQL adapter of the ExperimentStore port (tables from migration 11). A user's first
 * exposure wins through the primary key (ON CONFLICT DO NOTHING), so concurrent batches need no lock.
 */
export class PostgresExperimentStore implements ExperimentStore {
  constructor(private readonly db: PostgresDatabase) {}

  async create(experiment: StoredExperiment): Promise<boolean> {
    const changed = await this.db.run(
      `INSERT INTO experiments (key, flag_key, description, control, allocation, metrics, status,
         created_at, created_by, started_at, stopped_at, shipped_variant)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (key) DO NOTHING`,
      experimentParams(experiment),
    );
    return changed === 1;
  }

  async list(): Promise<StoredExperiment[]> {
    const rows = await this.db.rows<ExperimentRow>(
      'SELECT * FROM experiments ORDER BY created_at DESC, key COLLATE "C"',
    );
    return rows.map(experimentFromRow);
  }

  async get(key: string): Promise<StoredExperiment | undefined> {
    const [row] = await this.db.rows<ExperimentRow>("SELECT * FROM experiments WHERE key = $1", [key]);
    return row && experimentFromRow(row);
  }

  async transition(
    key: string,
    from: ExperimentStatus,
    to: Pick<StoredExperiment, "status" | "startedAt" | "stoppedAt" | "shippedVariant">,
  ): Promise<boolean> {
    const changed = await this.db.run(
      `UPDATE experiments SET status = $1, started_at = $2, stopped_at = $3, shipped_variant = $4
       WHERE key = $5 AND status = $6`,
      [to.status, to.startedAt, to.stoppedAt, to.shippedVariant, key, from],
    );
    return changed === 1;
  }

  recordExposures(exposures: readonly Exposure[]): Promise<ExposureReport> {
    return this.db.transaction(async (tx) => {
      const report: ExposureReport = { recorded: 0, repeated: 0, conflicting: 0 };
      for (const e of exposures) {
        const inserted = await tx.run(
          `INSERT INTO experiment_exposures (experiment, user_key, variant, exposed_at)
           VALUES ($1, $2, $3, $4) ON CONFLICT (experiment, user_key) DO NOTHING`,
          [e.experiment, e.user, e.variant, e.at],
        );
        if (inserted === 1) report.recorded++;
        else {
          report.repeated++;
          const [row] = await tx.rows<{ variant: string }>(
            "SELECT variant FROM experiment_exposures WHERE experiment = $1 AND user_key = $2",
            [e.experiment, e.user],
          );
          if (row?.variant !== e.variant) report.conflicting++;
        }
      }
      return report;
    });
  }

  recordEvents(events: readonly MetricEvent[]): Promise<number> {
    return this.db.transaction(async (tx) => {
      let counted = 0;
      for (const e of events) {
        counted += await tx.run(
          `INSERT INTO experiment_values (experiment, event, user_key, events, value_sum)
           SELECT experiment, $1, user_key, 1, $2 FROM experiment_exposures
           WHERE experiment = $3 AND user_key = $4 AND exposed_at <= $5
           ON CONFLICT (experiment, event, user_key) DO UPDATE SET
             events = experiment_values.events + 1,
             value_sum = experiment_values.value_sum + excluded.value_sum`,
          [e.event, e.value, e.experiment, e.user, e.at],
        );
      }
      return counted;
    });
  }

  async assignments(user: string): Promise<Map<string, string>> {
    const rows = await this.db.rows<{ flag_key: string; variant: string }>(
      `SELECT x.flag_key AS flag_key, e.variant AS variant FROM experiment_exposures e
       JOIN experiments x ON x.key = e.experiment
       WHERE e.user_key = $1 AND x.status = 'running' ORDER BY x.started_at`,
      [user],
    );
    return new Map(rows.map((r) => [r.flag_key, r.variant]));
  }

  async totals(experiment: string, metric: ExperimentMetric): Promise<VariantTotals[]> {
    const rows = await this.db.rows<TotalsRow>(
      TOTALS_SQL.replace("ORDER BY e.variant", 'ORDER BY e.variant COLLATE "C"'),
      [metric.event, experiment],
    );
    return rows.map(totalsFromRow);
  }

  async exposureSeries(experiment: string, bucketMs: number): Promise<ExposureBucket[]> {
    const rows = await this.db.rows<{ at: number; variant: string; exposures: number }>(
      `SELECT (exposed_at / $1::bigint) * $1::bigint AS at, variant, count(*) AS exposures
       FROM experiment_exposures WHERE experiment = $2 GROUP BY 1, 2 ORDER BY 1, variant COLLATE "C"`,
      [Math.round(bucketMs), experiment],
    );
    return rows.map(bucketFromRow);
  }
}
