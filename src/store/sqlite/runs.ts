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
import { settle, type SqliteDatabase } from "./database.js";

/** The run history in SQLite: runs with their result document, and masked log lines. */
export class SqliteRunStore implements RunStore {
  constructor(private readonly db: SqliteDatabase) {}

  startRun(run: Parameters<RunHistory["startRun"]>[0]): Promise<{ runId: string; runNumber: number }> {
    return settle(() => this.insertRun(run));
  }

  private insertRun(run: Parameters<RunHistory["startRun"]>[0]): { runId: string; runNumber: number } {
    const info = this.db
      .prepare(
        "INSERT INTO workflow_runs (workflow, workflow_file, event, ref, sha, status, started_at) VALUES (?, ?, ?, ?, ?, 'running', ?)",
      )
      .run(run.workflow, run.workflowFile, run.event, run.ref, run.sha, run.startedAt);
    const id = Number(info.lastInsertRowid);
    return { runId: String(id), runNumber: this.runNumber(id, run.workflowFile) };
  }

  appendLogs(runId: string, jobKey: string, jobId: string, lines: readonly LogLine[]): Promise<void> {
    return settle(() => this.insertLogs(runId, jobKey, jobId, lines));
  }

  private insertLogs(runId: string, jobKey: string, jobId: string, lines: readonly LogLine[]): void {
    const next = this.db.prepare(
      "SELECT COALESCE(MAX(seq), 0) AS seq FROM workflow_run_logs WHERE run_id = ?",
    );
    const insert = this.db.prepare(
      "INSERT INTO workflow_run_logs (run_id, seq, job_key, job_id, step, level, text, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    this.db.transaction(() => {
      let seq = (next.get(Number(runId)) as { seq: number }).seq;
      for (const line of lines)
        insert.run(Number(runId), ++seq, jobKey, jobId, line.step, line.level, line.text, line.at ?? null);
    })();
  }

  finishRun(result: RunResult): Promise<void> {
    return settle(() => {
      this.db
        .prepare(
          "UPDATE workflow_runs SET status = 'completed', conclusion = ?, duration_ms = ?, result = ? WHERE id = ?",
        )
        .run(result.conclusion, result.durationMs, JSON.stringify(result), Number(result.runId));
    });
  }

  runningRunIds(): Promise<string[]> {
    return settle(() =>
      (
        this.db.prepare("SELECT id FROM workflow_runs WHERE status = 'running' ORDER BY id").all() as {
          id: number;
        }[]
      ).map((row) => String(row.id)),
    );
  }

  markInterrupted(runId: string, durationMs: number | null): Promise<boolean> {
    return settle(
      () =>
        this.db
          .prepare(
            "UPDATE workflow_runs SET status = 'completed', conclusion = 'interrupted', duration_ms = ? WHERE id = ? AND status = 'running'",
          )
          .run(durationMs, Number(runId)).changes > 0,
    );
  }

  /** Most recent first. */
  listRuns(limit = 20): Promise<RunSummary[]> {
    return settle(() =>
      (this.db.prepare(`${SELECT_RUN} ORDER BY r.id DESC LIMIT ?`).all(limit) as RunRow[]).map(toSummary),
    );
  }

  getRun(runId: string): Promise<(RunSummary & { result: RunResult | null }) | undefined> {
    return settle(() => this.runOf(runId));
  }

  private runOf(runId: string): (RunSummary & { result: RunResult | null }) | undefined {
    const row = this.db.prepare(`${SELECT_RUN} WHERE r.id = ?`).get(Number(runId)) as RunRow | undefined;
    return row && runFromRow(row);
  }

  /** Log lines in order; `job` matches a job id (every matrix combination) or one job key. */
  getLogs(runId: string, job?: string): Promise<StoredLogLine[]> {
    return settle(() => this.logsOf(runId, job));
  }

  private logsOf(runId: string, job?: string): StoredLogLine[] {
    const rows = this.db
      .prepare(
        `SELECT ${LOG_COLUMNS} FROM workflow_run_logs WHERE run_id = ? ${job === undefined ? "" : "AND (job_id = ? OR job_key = ?)"} ORDER BY seq`,
      )
      .all(...(job === undefined ? [Number(runId)] : [Number(runId), job, job])) as LogRow[];
    return rows.map(logLineFromRow);
  }

  private runNumber(id: number, workflowFile: string): number {
    const row = this.db
      .prepare("SELECT COUNT(*) AS n FROM workflow_runs WHERE workflow_file = ? AND id <= ?")
      .get(workflowFile, id) as { n: number };
    return row.n;
  }
}
