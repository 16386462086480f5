import type { Conclusion } from "./status.js";

export interface StepResult {
  name: string;
  outcome: Conclusion;
  conclusion: Conclusion;
  durationMs: number;
  /** ISO-8601; absent in results recorded before step start times were kept. */
  startedAt?: string;
}

/** One job, or one matrix combination of a job. */
export interface JobResult {
  id: string;
  /** Unique within the run: the id, plus the matrix values for a matrix job (`build (20, linux)`). */
  key: string;
  name: string;
  matrix: Record<string, unknown> | null;
  conclusion: Conclusion;
  outputs: Record<string, string>;
  steps: StepResult[];
  durationMs: number;
  /** Why the job did not run or ended as it did, when that is not obvious (skipped by `if`, labels…). */
  reason?: string;
}

export interface RunResult {
  runId: string;
  workflow: string;
  workflowFile: string;
  event: string;
  ref: string;
  sha: string;
  conclusion: Conclusion;
  durationMs: number;
  startedAt: string;
  jobs: JobResult[];
  /** Set when the workflow did not run at all (trigger filters did not match). */
  reason?: string;
}

/** The `--json` document, exactly the shape the CLI contract promises. */
export function runDocument(result: RunResult): Record<string, unknown> {
  return {
    runId: result.runId,
    workflow: result.workflow,
    event: result.event,
    conclusion: result.conclusion,
    durationMs: result.durationMs,
    ...(result.reason !== undefined ? { reason: result.reason } : {}),
    jobs: result.jobs.map((job) => ({
      id: job.id,
      name: job.name,
      matrix: job.matrix,
      conclusion: job.conclusion,
      outputs: job.outputs,
      ...(job.reason !== undefined ? { reason: job.reason } : {}),
      steps: job.steps.map((step) => ({
        name: step.name,
        outcome: step.outcome,
        conclusion: step.conclusion,
        durationMs: step.durationMs,
      })),
    })),
  };
}

/** `summary`: a line of the job's step summary ($GITHUB_STEP_SUMMARY, Markdown), stored after the
 *  job, shown by `slipway logs --summary` and not among the output lines. */
export type LogLevel = "info" | "command" | "error" | "warning" | "notice" | "group" | "endgroup" | "summary";

/** One stored or printed output line, already masked. */
export interface LogLine {
  step: string;
  text: string;
  level: LogLevel;
  /** When the line was written (epoch ms); absent on lines recorded before times were kept. */
  at?: number;
}

/** A job of the workflow file and what it needs: the static graph (a job's name without its expressions). */
export interface JobNode {
  id: string;
  name: string;
  needs: string[];
}

/** What the engine reports as it goes; renderers (tree, plain lines) and the server listen to it. */
export type RunEvent =
  | { type: "run-started"; runId: string; workflow: string; file: string; event: string; jobs: JobNode[] }
  | { type: "job-started"; key: string; name: string }
  | { type: "step-started"; key: string; step: string; index: number }
  | { type: "log"; key: string; line: LogLine }
  | { type: "step-finished"; key: string; step: string; index: number; result: StepResult }
  | { type: "job-finished"; key: string; result: JobResult }
  | { type: "warning"; message: string }
  | { type: "run-finished"; result: RunResult };
