import type { LogLine, RunResult } from "./model.js";

/**
 * The run history port the engine needs. Implemented by the SQLite store
 * (src/store/sqlite/runs.ts); lines handed over are already masked.
 */
export interface RunHistory {
  /** Records a run as started and returns its id (GITHUB_RUN_ID) and number (GITHUB_RUN_NUMBER). */
  startRun(run: {
    workflow: string;
    workflowFile: string;
    event: string;
    ref: string;
    sha: string;
    startedAt: string;
  }): { runId: string; runNumber: number };
  appendLogs(runId: string, jobKey: string, jobId: string, lines: readonly LogLine[]): void;
  finishRun(result: RunResult): void;
}
