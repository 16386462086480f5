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
  const running = new Map<string, Promise<string>>();
  for (;;) {
    for (const job of jobs) {
      if (started.has(job.id) || !job.needs.every((need) => finished.has(need))) continue;
      started.add(job.id);
      running.set(
        job.id,
        start(job).then(() => job.id),
      );
    }
    if (running.size === 0) return;
    const done = await Promise.race(running.values());
    running.delete(done);
    finished.add(done);
  }
}
