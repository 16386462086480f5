import type { BuiltinAction } from "./actions/contract.js";
import type { ConcurrencyGroups } from "./concurrency.js";
import type { RunHistory } from "../store/ports/run-store.js";
import type { JobResult, RunEvent } from "../core/workflow/model.js";
import type { JobDispatch } from "./job-dispatch.js";
import type { PipelineSettings } from "./settings.js";

export interface RunOptions {
  /** Any directory inside the repository (default: cwd). */
  dir?: string;
  /** One workflow file (`-W`); default: every file in .github/workflows. */
  workflowFile?: string;
  event?: string;
  /** The event payload as GitHub delivers it (`--event-file`). */
  eventPayload?: Record<string, unknown>;
  ref?: string;
  /**
   * Run this commit under `ref` rather than the ref's commit now (a re-run: the ref may have moved
   * on, or be gone).
   */
  sha?: string;
  /** Revision to diff against for `paths` filters (`--base`). */
  base?: string;
  /** Run only this job and what it needs. */
  job?: string;
  inputs?: Record<string, string>;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** Extra runner labels this host answers to, besides DEFAULTS.hostLabels. */
  labels?: string[];
  /** Jobs running at once (default: CPU count). */
  maxParallel?: number;
  /** Data directory (caches, artifacts); default `<repo>/.slipway`. */
  dataDir?: string;
  history?: RunHistory;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  /** Look up built-in actions (default: the registry); tests inject their own. */
  findAction?: (uses: string) => BuiltinAction | undefined;
  concurrency?: ConcurrencyGroups;
  /** Keep job workspaces after the run (for debugging). */
  keepWorkspaces?: boolean;
  /**
   * Keep the run's worktrees for the repository's next runs, and take those earlier runs kept
   * (WorktreePool's shared folder): a checkout then writes only the files that changed.
   */
  reuseWorktrees?: boolean;
  /**
   * Actions server, actions cache, tool cache and Node download sources (default: read from
   * hostEnv, see settings.ts).
   */
  settings?: PipelineSettings;
  /** Environment passed through to steps (default: process.env). */
  hostEnv?: Record<string, string | undefined>;
  /**
   * Asked before a job with `environment:` runs (the server waits for an approval there); a
   * refusal fails the job with its reason. Absent (slipway run): environments are not gated.
   */
  environmentGate?: JobEnvironmentGate;
  /**
   * Carry on a run a previous server process started (its jobs waited for an approval when that
   * process stopped): the run keeps its id and number, the jobs in `finished` are not run again
   * (their results feed `needs`), and the commit must still be `sha`.
   */
  resume?: RunResume;
  /** Where jobs run (default: in this process; the server may hand them to runners). */
  dispatch?: JobDispatch;
}

export interface RunResume {
  runId: string;
  runNumber: number;
  startedAt: string;
  sha: string;
  /** Results of the jobs that had finished (every matrix combination of a job). */
  finished: JobResult[];
}

/** Decides whether job `jobId` of run `runId` may run in `environment`; may wait (honour `signal`). */
export type JobEnvironmentGate = (request: {
  runId: string;
  jobId: string;
  environment: string;
  signal: AbortSignal;
}) => Promise<{ ok: true } | { ok: false; reason: string }>;
