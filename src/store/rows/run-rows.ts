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

/** The columns of a log line that the port answers (`SELECT job_key, job_id, step, level, text`). */
export interface LogRow {
  job_key: string;
  job_id: string;
  step: string;
  /** A level, or `level@epochMs` (levelColumn). */
  level: string;
  text: string;
}

/**
 * What the `level` column holds for a line: its level, then `@` and the time it was written in
 * epoch milliseconds (`info@1796575235123`). The table has no column for the time; a line's time
 * rides with its level so that recording it needed no schema change, and lines stored before
 * (a bare level) read as lines without a time. Step summaries keep a bare level: an older
 * `slipway logs --summary` selects them by it.
 */
export function levelColumn(line: LogLine): string {
  return line.at === undefined || line.level === "summary" ? line.level : `${line.level}@${line.at}`;
}

export function logLineFromRow(row: LogRow): StoredLogLine {
  const at = row.level.indexOf("@");
  const time = at < 0 ? NaN : Number(row.level.slice(at + 1));
  return {
    jobKey: row.job_key,
    jobId: row.job_id,
    step: row.step,
    level: (at < 0 ? row.level : row.level.slice(0, at)) as LogLine["level"],
    text: row.text,
    ...(Number.isFinite(time) ? { at: time } : {}),
  };
}
