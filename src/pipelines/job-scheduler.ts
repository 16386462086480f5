import { SlipwayError } from "../core/errors.js";
import { checkGraph } from "../core/workflow/graph.js";
import type { LoadedJob } from "./load.js";

/** Starts each job as soon as everything it needs has finished (a DAG, no stage barriers). */
export async function scheduleJobs(
  jobs: LoadedJob[],
  start: (job: LoadedJob) => Promise<void>,
): Promise<void> {
  const problems = checkGraph(jobs);
  if (problems.length > 0)
    throw new SlipwayError("SLIPWAY_INVALID_WORKFLOW", `job graph: ${JSON.stringify(problems)}`);
  const finished = new Set<string>();
  const started = new Set<string>();
  // Jobs that ended since the scheduler last looked, and how to wake it: a Promise.race over
  // every running job for each job that ends costs O(n²) handlers on a wide graph.
  const ended: string[] = [];
  const failures: unknown[] = [];
  let wake: (() => void) | undefined;
  const settle = (): void => {
    wake?.();
    wake = undefined;
  };
  let running = 0;
  for (;;) {
    for (const job of jobs) {
      if (started.has(job.id) || !job.needs.every((need) => finished.has(need))) continue;
      started.add(job.id);
      running++;
      start(job).then(
        () => {
          ended.push(job.id);
          settle();
        },
        (error: unknown) => {
          failures.push(error);
          settle();
        },
      );
    }
    if (running === 0) return;
    if (ended.length === 0 && failures.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    if (failures.length > 0) throw failures[0];
    for (const id of ended.splice(0)) {
      running--;
      finished.add(id);
    }
  }
}
