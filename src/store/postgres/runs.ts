import type { LogLine, RunResult } from "../../core/workflow/model.js";
import type { RunHistory, RunStore, RunSummary, StoredLogLine } from "../ports/run-store.js";
import {
  LOG_COLUMNS,
  logLineFromRow,
  runFromRow,
  SELECT_RUN,
  toSummary,
  type LogRow,
  type RunRow,
} from "../rows/run-rows.js";
import { lock, LOCKS, type PostgresDatabase } from "./database.js";

/**
 * The run history in PostgreSQL. A run's number counts the runs of its workflow file up to it, and
 * a log line's sequence number follows the run's last: both read-then-write, so starting a run
 * and appending to one run's logs each hold an advisory lock until they commit.
 */
export class PostgresRunStore implements RunStore {
  constructor(private readonly db: PostgresDatabase) {}

  startRun(run: Parameters<RunHistory["startRun"]>[0]): Promise<{ runId: string; runNumber: number }> {
    return this.db.transaction(async (tx) => {
      await lock(tx, LOCKS.startRun);
      const [inserted] = (await tx.rows<{ id: number }>(
        `INSERT INTO workflow_runs (workflow, workflow_file, event, ref, sha, status, started_at)
         VALUES ($1, $2, $3, $4, $5, 'running', $6) RETURNING id`,
        [run.workflow, run.workflowFile, run.event, run.ref, run.sha, run.startedAt],
      )) as [{ id: number }];
      const [counted] = (await tx.rows<{ n: number }>(
        "SELECT COUNT(*) AS n FROM workflow_runs WHERE workflow_file = $1 AND id <= $2",
        [run.workflowFile, inserted.id],
      )) as [{ n: number }];
      return { runId: String(inserted.id), runNumber: counted.n };
    });
  }

  async appendLogs(runId: string, jobKey: string, jobId: string, lines: readonly LogLine[]): Promise<void> {
    if (lines.length === 0) return;
    const id = Number(runId);
    await this.db.transaction(async (tx) => {
      await lock(tx, [LOCKS.runLogs, id % 2 ** 31]);
      await tx.run(
        `INSERT INTO workflow_run_logs (run_id, seq, job_key, job_id, step, level, text, at)
         SELECT $1, (SELECT COALESCE(MAX(seq), 0) FROM workflow_run_logs WHERE run_id = $1) + x.n, $2, $3, x.step, x.level, x.text, x.at
         FROM unnest($4::text[], $5::text[], $6::text[], $7::bigint[]) WITH ORDINALITY AS x(step, level, text, at, n)`,
        [
          id,
          jobKey,
          jobId,
          lines.map((l) => l.step),
          lines.map((l) => l.level),
          lines.map((l) => l.text),
          lines.map((l) => l.at ?? null),
        ],
      );
    });
  }

  async finishRun(result: RunResult): Promise<void> {
    await this.db.run(
      "UPDATE workflow_runs SET status = 'completed', conclusion = $1, duration_ms = $2, result = $3 WHERE id = $4",
      [result.conclusion, result.durationMs, JSON.stringify(result), Number(result.runId)],
    );
  }

  async runningRunIds(): Promise<string[]> {
    const rows = await this.db.rows<{ id: number | string }>(
      "SELECT id FROM workflow_runs WHERE status = 'running' ORDER BY id",
    );
    return rows.map((row) => String(row.id));
  }

  async markInterrupted(runId: string, durationMs: number | null): Promise<boolean> {
    const id = Number(runId);
    if (!Number.isSafeInteger(id)) return false;
    const changed = await this.db.run(
      "UPDATE workflow_runs SET status = 'completed', conclusion = 'interrupted', duration_ms = $1 WHERE id = $2 AND status = 'running'",
      [durationMs, id],
    );
    return changed > 0;
  }

  async listRuns(limit = 20): Promise<RunSummary[]> {
    return (await this.db.rows<RunRow>(`${SELECT_RUN} ORDER BY r.id DESC LIMIT $1`, [limit])).map(toSummary);
  }

  async getRun(runId: string): Promise<(RunSummary & { result: RunResult | null }) | undefined> {
    const id = Number(runId);
    if (!Number.isSafeInteger(id)) return undefined;
    const [row] = await this.db.rows<RunRow>(`${SELECT_RUN} WHERE r.id = $1`, [id]);
    return row && runFromRow(row);
  }

  async getLogs(runId: string, job?: string): Promise<StoredLogLine[]> {
    const id = Number(runId);
    if (!Number.isSafeInteger(id)) return [];
    const rows = await this.db.rows<LogRow>(
      `SELECT ${LOG_COLUMNS} FROM workflow_run_logs WHERE run_id = $1
       ${job === undefined ? "" : "AND (job_id = $2 OR job_key = $2)"} ORDER BY seq`,
      job === undefined ? [id] : [id, job],
    );
    return rows.map(logLineFromRow);
  }
}
