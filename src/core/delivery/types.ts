/**
 * Delivery metrics (DORA) over rollout history: deployment frequency, lead time for changes,
 * change failure rate and time to restore, per environment. Definitions: docs/metrics.md.
 */

/** How a rollout ended; absent while it is still deciding. */
export type FactOutcome = "promoted" | "rolled-back" | "failed" | "superseded";

/**
 * What the metrics need to know about one rollout, taken from its document, its audit events and
 * its release record (see `factsFromRollout`). Times are epoch milliseconds.
 */
export interface RolloutFacts {
  id: string;
  service: string;
  environment: string;
  /** "rollback" rollouts (`slipway rollback` redeploying an older version) restore; they are not deploys. */
  kind: "deploy" | "rollback";
  version: string;
  /** There was a stable revision to go back to (false on a service's first deploy). */
  hadStable: boolean;
  startedAt: number;
  /** First moment the candidate served production traffic (blue-green switch, first canary weight). */
  liveAt?: number;
  /** When the candidate was promoted (the `rollout.promoted` event). */
  promotedAt?: number;
  /** When traffic was taken away from the candidate (`rollout.rollback` / `rollout.failed`). */
  abandonedAt?: number;
  outcome?: FactOutcome;
  /** Commit time of the release's git commit; absent for working-tree releases or unknown releases. */
  committedAt?: number;
}

export interface DeliveryQuery {
  /** End of the window (epoch ms). */
  now: number;
  /** Window length in days: (now - days, now]. */
  days: number;
  /** Only this environment; every environment present in the facts when absent. */
  environment?: string;
}

/** Median and 90th percentile (linear interpolation, "type 7"); null without samples. */
export interface Distribution {
  samples: number;
  medianMs: number | null;
  p90Ms: number | null;
}

export interface EnvironmentDelivery {
  environment: string;
  services: string[];
  deploymentFrequency: {
    /** Deploys promoted within the window. */
    deploys: number;
    perDay: number;
    perWeek: number;
  };
  /** Commit → promoted, over promoted deploys whose release records its commit time. */
  leadTime: Distribution & {
    /** Promoted deploys without a known commit time (working-tree releases), left out. */
    withoutCommit: number;
  };
  changeFailureRate: {
    /** Deploys decided within the window (promoted, rolled back or failed; superseded ones excluded). */
    deploys: number;
    failed: number;
    /** failed / deploys; null without deploys. */
    rate: number | null;
    /** Breakdown of `failed`. */
    rolledBack: number;
    failedOutright: number;
    followedByRollback: number;
    /** Deploys replaced by a newer deploy before a decision: neither success nor failure. */
    superseded: number;
  };
  /** From the bad revision going live (or the failed deploy's start) to the next good state. */
  timeToRestore: Distribution & {
    failures: number;
    /** Failures with no good state since: not in the distribution. */
    unrestored: number;
  };
}

export interface DeliveryReport {
  window: { days: number; from: string; to: string };
  environments: EnvironmentDelivery[];
}
