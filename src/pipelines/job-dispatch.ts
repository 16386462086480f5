import type { JobResult } from "../core/workflow/model.js";
import { runJob } from "./job.js";
import type { JobInstance, RunScope } from "./run-scope.js";

/**
 * Where a job (one matrix combination) runs once its needs, `if`, environment gate and
 * concurrency group allow it. The engine decides *when* a job runs; a dispatch decides *where*.
 *
 * - in-process (default, `inProcessDispatch`): on this host, in the engine's process;
 * - queue (src/runners/queue-dispatch.ts): through a PostgreSQL queue to `slipway runner`s on
 *   other hosts that have the job's `runs-on` labels.
 */
export interface JobDispatch {
  /**
   * Whether jobs run on this host: then a job whose `runs-on` labels the host lacks is skipped
   * at once; otherwise it waits in the queue for a runner that has them.
   */
  readonly local: boolean;
  /** Runs the job; resolves with its result (a lost runner is a failed job, never a throw). */
  run(scope: RunScope, instance: JobInstance, labels: readonly string[]): Promise<JobResult>;
}

/** Every job in the engine's own process (`slipway run`, a server without `--runners queue`). */
export const inProcessDispatch: JobDispatch = {
  local: true,
  run: (scope, instance) => runJob(scope, instance),
};
