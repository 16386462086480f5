import type { Masker } from "../core/workflow/masker.js";
import type { Conclusion } from "../core/workflow/status.js";
import type { BuiltinAction, SharedCache } from "./actions/contract.js";
import type { LoadedJob, LoadedWorkflow } from "./load.js";
import type { RemoteActions } from "./remote-actions.js";
import type { PipelineSettings } from "./settings.js";
import type { WorktreePool } from "./worktree-pool.js";
import type { LogLine, RunEvent } from "../core/workflow/model.js";

/** What every job of a run shares. */
export interface RunScope {
  runId: string;
  runNumber: number;
  repoRoot: string;
  workflow: LoadedWorkflow;
  /** Temp directory of the run: workspaces and runner temp dirs live below it. */
  runDir: string;
  /**
   * The run's folder on tmpfs (/dev/shm) for the steps' command files and scripts, when the host
   * has one: a handful of tiny files per step, whose creation on a disk costs more than the rest
   * of a trivial job. Undefined: they go to each job's temp dir.
   */
  scratchDir: string | undefined;
  dataDir: string;
  /** Set on a runner: caches are restored from the server's store (runners/server-cache.ts). */
  sharedCache?: SharedCache;
  github: Record<string, unknown>;
  eventPath: string;
  baseSha: string | undefined;
  inputs: Record<string, unknown>;
  vars: Record<string, string>;
  secrets: Record<string, string>;
  masker: Masker;
  /** Host environment passed to steps (secrets-bearing SLIPWAY_SECRET_* removed). */
  hostEnv: Record<string, string>;
  findAction(uses: string): BuiltinAction | undefined;
  /** Actions cache server and tool cache locations, shared across runs. */
  settings: PipelineSettings;
  /** Remote actions of this run: resolved once, downloaded once into the actions cache. */
  remoteActions: RemoteActions;
  emit(event: RunEvent): void;
  storeLogs(jobKey: string, jobId: string, lines: readonly LogLine[]): Promise<void>;
  keepWorkspaces: boolean;
  /** Worktrees of finished jobs, kept clean for the run's next checkouts. */
  worktrees: WorktreePool;
  /**
   * Runs a finished job's clean-up (its worktree, its folder) in the background, off the path to
   * the jobs that need it; the run waits for every one before it ends.
   */
  cleanUp(task: () => Promise<void>): void;
}

/** One job, or one matrix combination of it, ready to run. */
export interface JobInstance {
  job: LoadedJob;
  key: string;
  name: string;
  matrix: Record<string, unknown> | null;
  strategy: Record<string, unknown>;
  needs: Record<string, { result: Conclusion; outputs: Record<string, string> }>;
  /** Aborted on Ctrl-C, fail-fast or a concurrency cancel: the job ends as cancelled. */
  signal: AbortSignal;
}
