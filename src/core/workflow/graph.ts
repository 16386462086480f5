/** A job as the scheduler sees it: an id and the ids it needs. */
export interface JobNode {
  id: string;
  needs: readonly string[];
}

export type GraphProblem =
  { kind: "unknown-need"; job: string; need: string } | { kind: "cycle"; jobs: string[] };

/** Unknown `needs` and cycles, each named (the parser reports them with locations first; this keeps the core honest). */
export function checkGraph(jobs: readonly JobNode[]): GraphProblem[] {
  const ids = new Set(jobs.map((job) => job.id));
  const problems: GraphProblem[] = [];
  for (const job of jobs) {
    for (const need of job.needs)
      if (!ids.has(need)) problems.push({ kind: "unknown-need", job: job.id, need });
  }
  const byId = new Map(jobs.map((job) => [job.id, job]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (id: string): void => {
    const seen = state.get(id);
    if (seen === "done") return;
    if (seen === "visiting") {
      problems.push({ kind: "cycle", jobs: [...stack.slice(stack.indexOf(id)), id] });
      return;
    }
    state.set(id, "visiting");
    stack.push(id);
    for (const need of byId.get(id)?.needs ?? []) if (byId.has(need)) visit(need);
    stack.pop();
    state.set(id, "done");
  };
  for (const job of jobs) visit(job.id);
  return problems;
}

/** Every job `id` depends on, directly or through others (job-level status functions look at these). */
export function transitiveNeeds(jobs: readonly JobNode[], id: string): string[] {
  const byId = jobsById(jobs);
  const result = new Set<string>();
  const pending = [...(byId.get(id)?.needs ?? [])];
  while (pending.length > 0) {
    const next = pending.pop() as string;
    if (result.has(next)) continue;
    result.add(next);
    pending.push(...(byId.get(next)?.needs ?? []));
  }
  return [...result];
}

/**
 * The jobs of a list by id, made once per list: each job of a run asks for its transitive needs,
 * and a map per question made a 200-job graph cost 40,000 insertions.
 */
const indexes = new WeakMap<readonly JobNode[], Map<string, JobNode>>();

function jobsById(jobs: readonly JobNode[]): Map<string, JobNode> {
  let byId = indexes.get(jobs);
  if (byId === undefined || byId.size !== jobs.length) {
    byId = new Map(jobs.map((job) => [job.id, job]));
    indexes.set(jobs, byId);
  }
  return byId;
}

/** Jobs whose needs are all finished, in declaration order: the scheduler's next candidates. */
export function readyJobs(
  jobs: readonly JobNode[],
  finished: ReadonlySet<string>,
  started: ReadonlySet<string>,
): string[] {
  return jobs
    .filter((job) => !started.has(job.id) && job.needs.every((need) => finished.has(need)))
    .map((job) => job.id);
}

/** Restricts a run to one job and what it needs (`slipway run --job ID`). */
export function selectWithNeeds(jobs: readonly JobNode[], id: string): Set<string> {
  return new Set([id, ...transitiveNeeds(jobs, id)]);
}
