import type { Conclusion } from "../core/workflow/status.js";
import type { QueuedPost } from "./action-step.js";
import type { Contexts, evaluateToken, ExtraFunctions } from "./expressions.js";
import type { LogLevel, StepResult } from "../core/workflow/model.js";
import type { JobInstance, RunScope } from "./run-scope.js";

export type EvaluateToken = (token: Parameters<typeof evaluateToken>[0], contexts: Contexts) => unknown;

/** A finished step as `steps.<id>` shows it to later steps. */
export interface StepState {
  outputs: Record<string, string>;
  outcome: Conclusion;
  conclusion: Conclusion;
}

/** What the steps of one running job share: its directories, contexts, logs and what steps added. */
export interface JobState {
  scope: RunScope;
  instance: JobInstance;
  jobDir: string;
  workspace: string;
  temp: string;
  /**
   * Where the steps' command files ($GITHUB_OUTPUT…) and script files go: the run's scratch folder
   * on tmpfs when the host has one (see workflow-run.ts), else the job's temp dir. RUNNER_TEMP
   * and HOME are there too then.
   */
  scratch: string;
  /** Where the steps' $GITHUB_STEP_SUMMARY files are gathered, stored with the logs at the end. */
  summaryFile: string;
  /** HOME and shared tool locations of the job's processes (job-home.ts). */
  homeEnv: Record<string, string>;
  /** Aborted when the job is cancelled or times out. */
  signal: AbortSignal;
  baseContexts: Contexts;
  extra: ExtraFunctions;
  evaluate: EvaluateToken;
  /** The step that log lines belong to. */
  currentStep: string;
  log: (text: string, level?: LogLevel) => void;
  flushLogs: () => Promise<void>;
  /** The workflow's and the job's `env:`. */
  jobEnv: Record<string, string>;
  /** From $GITHUB_ENV (and set-env). */
  addedEnv: Record<string, string>;
  /** From $GITHUB_PATH (and add-path). */
  addedPath: string[];
  /** `defaults.run` of the workflow and the job. */
  defaults: { shell?: string; workingDirectory?: string };
  /** $GITHUB_STATE of `run:` steps. */
  state: Map<string, string>;
  /** Process groups started by the job, killed when it ends. */
  groups: Set<number>;
  steps: StepResult[];
  stepsContext: Record<string, StepState>;
  postQueue: QueuedPost[];
}

/** The job's status as `job.status` and the post steps see it. */
export function jobStatus(steps: readonly StepResult[]): "success" | "failure" | "cancelled" {
  if (steps.some((s) => s.conclusion === "failure")) return "failure";
  if (steps.some((s) => s.conclusion === "cancelled")) return "cancelled";
  return "success";
}
