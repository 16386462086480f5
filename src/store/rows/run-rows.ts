import type { LogLine, RunResult } from "../../core/workflow/model.js";
import type { RunSummary, StoredLogLine } from "../ports/run-store.js";

// Rows of `workflow_runs` and `workflow_run_logs` (migration 001) as both adapters read them.

/** A run with its number: the runs of its workflow file up to it (SELECT_RUN). */
export interface RunRow {
  id: number;
  workflow: string;
  workflow_file: string;
  event: string;
  ref: string;
  sha: string;
  status: "running" | "completed";
  conclusion: string | null;
  started_at: string;
  duration_ms: number | null;
  result: string | null;
  run_number: number;
}

/** Runs as RunRow, in SQL both dialects read alike; callers add WHERE / ORDER BY. */
export const SELECT_RUN = `SELECT r.*, (SELECT COUNT(*) FROM workflow_runs o WHERE o.workflow_file = r.workflow_file AND o.id <= r.id) AS run_number FROM workflow_runs r`;

export function toSummary(row: RunRow): RunSummary {
  return {
    runId: String(row.id),
    runNumber: row.run_number,
    workflow: row.workflow,
    workflowFile: row.workflow_file,
    event: row.event,
    ref: row.ref,
    sha: row.sha,
    status: row.status,
    conclusion: row.conclusion,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
  };
}

/** A run with its stored result document. */
export const runFromRow = (row: RunRow): RunSummary & { result: RunResult | null } => ({
  ...toSummary(row),
  result: row.result ? (JSON.parse(row.result) as RunResult) : null,
});

/** The columns of a log line that the port answers (LOG_COLUMNS). */
export interface LogRow {
  job_key: string;
  job_id: string;
  step: string;
  level: string;
  text: string;
  /** Epoch milliseconds (migration 021); NULL on lines stored before. PostgreSQL's BIGINT reads as a string. */
  at: number | string | null;
}

export const LOG_COLUMNS = "job_key, job_id, step, level, text, at";

export function logLineFromRow(row: LogRow): StoredLogLine {
  return {
    jobKey: row.job_key,
    jobId: row.job_id,
    step: row.step,
    level: row.level as LogLine["level"],
    text: row.text,
    ...(row.at === null ? {} : { at: Number(row.at) }),
  };
}
