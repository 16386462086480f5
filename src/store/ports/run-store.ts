import type { LogLine, RunResult } from "../../core/workflow/model.js";

/** A workflow run as listed: what started it and how it ended. */
export interface RunSummary {
  runId: string;
  runNumber: number;
  workflow: string;
  workflowFile: string;
  event: string;
  ref: string;
  sha: string;
  status: "running" | "completed";
  conclusion: string | null;
  startedAt: string;
  durationMs: number | null;
}

export interface StoredLogLine extends LogLine {
  jobKey: string;
  jobId: string;
}

/** The part of the run store the pipeline engine writes; lines handed over are already masked. */
export interface RunHistory {
  /** Records a run as started and returns its id (GITHUB_RUN_ID) and number (GITHUB_RUN_NUMBER). */
  startRun(run: {
    workflow: string;
    workflowFile: string;
    event: string;
    ref: string;
    sha: string;
    startedAt: string;
  }): Promise<{ runId: string; runNumber: number }>;
  appendLogs(runId: string, jobKey: string, jobId: string, lines: readonly LogLine[]): Promise<void>;
  finishRun(result: RunResult): Promise<void>;
}

/** Workflow runs with their result document and masked log lines. */
export interface RunStore extends RunHistory {
  /** Most recent first; 20 unless `limit`. */
  listRuns(limit?: number): Promise<RunSummary[]>;
  getRun(runId: string): Promise<(RunSummary & { result: RunResult | null }) | undefined>;
  /** Log lines in order; `job` matches a job id (every matrix combination) or one job key. */
  getLogs(runId: string, job?: string): Promise<StoredLogLine[]>;
  /** Ids of the runs recorded as running, oldest first. */
  runningRunIds(): Promise<string[]>;
  /**
   * Marks a run that is still recorded as running as completed with conclusion `interrupted` (its
   * process stopped before it finished); false when it had already finished.
   */
  markInterrupted(runId: string, durationMs: number | null): Promise<boolean>;
}
