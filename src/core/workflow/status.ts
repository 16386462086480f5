/** How a step or job ended. `outcome` is before continue-on-error, `conclusion` after. */
export type Conclusion = "success" | "failure" | "cancelled" | "skipped";

/** What the status functions (`success()`, `failure()`, `cancelled()`, `always()`) look at. */
export interface StatusView {
  /** Conclusions of the jobs this one needs, directly or transitively (job-level `if:`), or of the
   *  previous steps (step-level `if:`). */
  previous: readonly Conclusion[];
  /** The run (job-level) or the job (step-level) was cancelled. */
  cancelled: boolean;
  /**
   * "job": a skipped dependency is not a success, so its dependents are skipped too (GitHub).
   * "step": a step skipped by its `if:` is neutral and does not stop the steps after it.
   */
  scope: "job" | "step";
}

export interface StatusFunctions {
  success(): boolean;
  failure(): boolean;
  cancelled(): boolean;
  always(): boolean;
}

/**
 * GitHub's status functions. A skipped dependency is not a success (its dependents are skipped
 * unless their condition says otherwise) while a skipped step is neutral; a failed one makes
 * failure() true.
 */
export function statusFunctions(view: StatusView): StatusFunctions {
  const counts = (c: Conclusion): boolean => view.scope === "job" || c !== "skipped";
  return {
    success: () => !view.cancelled && view.previous.filter(counts).every((c) => c === "success"),
    failure: () => !view.cancelled && view.previous.some((c) => c === "failure"),
    cancelled: () => view.cancelled,
    always: () => true,
  };
}

/**
 * The conclusion of a run (or of a matrix job, for `needs.<id>.result`) from its jobs'
 * conclusions, as GitHub reports it: a run that was cancelled is cancelled; otherwise a failure
 * wins over the combinations fail-fast cancelled because of it; skipped jobs are neutral.
 */
export function aggregateConclusion(conclusions: readonly Conclusion[], cancelled: boolean): Conclusion {
  if (cancelled) return "cancelled";
  if (conclusions.includes("failure")) return "failure";
  if (conclusions.includes("cancelled")) return "cancelled";
  if (conclusions.length > 0 && conclusions.every((c) => c === "skipped")) return "skipped";
  return "success";
}

/** A step's conclusion: a failure under continue-on-error concludes as success. */
export function stepConclusion(outcome: Conclusion, continueOnError: boolean): Conclusion {
  return outcome === "failure" && continueOnError ? "success" : outcome;
}
