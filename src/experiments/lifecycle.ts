import type { ExperimentStatus, StoredExperiment } from "../store/ports/experiment-store.js";

/** What a lifecycle action does to an experiment, or why it cannot (a conflict with its status). */
export type ExperimentAction = "start" | "stop" | "ship";

export type Transition =
  | {
      ok: true;
      from: ExperimentStatus;
      to: Pick<StoredExperiment, "status" | "startedAt" | "stoppedAt" | "shippedVariant">;
    }
  | { ok: false; reason: string };

/**
 * Plans a lifecycle step purely: draft → running (start), running → stopped (stop), running or
 * stopped → shipped (ship a variant). A stopped experiment is not restarted: its users' exposures
 * would mix two periods; create a new one.
 */
export function planTransition(
  experiment: StoredExperiment,
  action: ExperimentAction,
  at: string,
  variant?: string,
): Transition {
  const { status } = experiment;
  const refuse = (why: string): Transition => ({
    ok: false,
    reason: `experiment "${experiment.key}" is ${status}: ${why}`,
  });
  switch (action) {
    case "start":
      if (status !== "draft") return refuse("only a draft experiment starts (create a new one to run again)");
      return {
        ok: true,
        from: status,
        to: { status: "running", startedAt: at, stoppedAt: null, shippedVariant: null },
      };
    case "stop":
      if (status !== "running") return refuse("only a running experiment stops");
      return {
        ok: true,
        from: status,
        to: { status: "stopped", startedAt: experiment.startedAt, stoppedAt: at, shippedVariant: null },
      };
    case "ship":
      if (status !== "running" && status !== "stopped")
        return refuse("only a running or stopped experiment ships a variant");
      return {
        ok: true,
        from: status,
        to: {
          status: "shipped",
          startedAt: experiment.startedAt,
          stoppedAt: experiment.stoppedAt ?? at,
          shippedVariant: variant ?? null,
        },
      };
    default: {
      const never: never = action;
      return never;
    }
  }
}
