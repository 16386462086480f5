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
import { settle, type SqliteDatabase } from "./database.js";

/** SQLite adapter of the ExperimentStore port (tables from migration 011). */
export class SqliteExperimentStore implements ExperimentStore {
  constructor(private readonly db: SqliteDatabase) {}

  create(experiment: StoredExperiment): Promise<boolean> {
    return settle(
      () =>
        this.db
          .prepare(
            `INSERT INTO experiments (key, flag_key, description, control, allocation, metrics, status,
               created_at, created_by, started_at, stopped_at, shipped_variant)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
          )
          .run(...experimentParams(experiment)).changes === 1,
    );
  }

  list(): Promise<StoredExperiment[]> {
    return settle(() =>
      (
        this.db.prepare("SELECT * FROM experiments ORDER BY created_at DESC, key").all() as ExperimentRow[]
      ).map(experimentFromRow),
    );
  }

  get(key: string): Promise<StoredExperiment | undefined> {
    return settle(() => {
      const row = this.db.prepare("SELECT * FROM experiments WHERE key = ?").get(key) as
        ExperimentRow | undefined;
      return row && experimentFromRow(row);
    });
  }

  transition(
    key: string,
    from: ExperimentStatus,
    to: Pick<StoredExperiment, "status" | "startedAt" | "stoppedAt" | "shippedVariant">,
  ): Promise<boolean> {
    return settle(
      () =>
        this.db
          .prepare(
            `UPDATE experiments SET status = ?, started_at = ?, stopped_at = ?, shipped_variant = ?
             WHERE key = ? AND status = ?`,
          )
          .run(to.status, to.startedAt, to.stoppedAt, to.shippedVariant, key, from).changes === 1,
    );
  }

  recordExposures(exposures: readonly Exposure[]): Promise<ExposureReport> {
    const insert = this.db.prepare(
      `INSERT INTO experiment_exposures (experiment, user_key, variant, exposed_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (experiment, user_key) DO NOTHING`,
    );
    const first = this.db.prepare(
      "SELECT variant FROM experiment_exposures WHERE experiment = ? AND user_key = ?",
    );
    return settle(() =>
      this.db.transaction(() => {
        const report: ExposureReport = { recorded: 0, repeated: 0, conflicting: 0 };
        for (const e of exposures) {
          if (insert.run(e.experiment, e.user, e.variant, e.at).changes === 1) report.recorded++;
          else {
            report.repeated++;
            const row = first.get(e.experiment, e.user) as { variant: string };
            if (row.variant !== e.variant) report.conflicting++;
          }
        }
        return report;
      })(),
    );
  }

  recordEvents(events: readonly MetricEvent[]): Promise<number> {
    const add = this.db.prepare(
      `INSERT INTO experiment_values (experiment, event, user_key, events, value_sum)
       SELECT experiment, ?, user_key, 1, ? FROM experiment_exposures
       WHERE experiment = ? AND user_key = ? AND exposed_at <= ?
       ON CONFLICT (experiment, event, user_key) DO UPDATE SET
         events = experiment_values.events + 1, value_sum = experiment_values.value_sum + excluded.value_sum`,
    );
    return settle(() =>
      this.db.transaction(() => {
        let counted = 0;
        for (const e of events) counted += add.run(e.event, e.value, e.experiment, e.user, e.at).changes;
        return counted;
      })(),
    );
  }

  assignments(user: string): Promise<Map<string, string>> {
    return settle(() => {
      const rows = this.db
        .prepare(
          `SELECT x.flag_key AS flag_key, e.variant AS variant FROM experiment_exposures e
           JOIN experiments x ON x.key = e.experiment
           WHERE e.user_key = ? AND x.status = 'running' ORDER BY x.started_at`,
        )
        .all(user) as { flag_key: string; variant: string }[];
      return new Map(rows.map((r) => [r.flag_key, r.variant]));
    });
  }

  totals(experiment: string, metric: ExperimentMetric): Promise<VariantTotals[]> {
    return settle(() =>
      (this.db.prepare(TOTALS_SQL.replace(/\$\d/g, "?")).all(metric.event, experiment) as TotalsRow[]).map(
        totalsFromRow,
      ),
    );
  }

  exposureSeries(experiment: string, bucketMs: number): Promise<ExposureBucket[]> {
    return settle(() =>
      (
        this.db
          .prepare(
            `SELECT (exposed_at / CAST(? AS INTEGER)) * CAST(? AS INTEGER) AS at, variant, count(*) AS exposures FROM experiment_exposures
             WHERE experiment = ? GROUP BY 1, 2 ORDER BY 1, 2`,
          )
          .all(Math.round(bucketMs), Math.round(bucketMs), experiment) as {
          at: number;
          variant: string;
          exposures: number;
        }[]
      ).map(bucketFromRow),
    );
  }
}
