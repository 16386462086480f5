/**
 * Experiments (A/B tests) on a flag's variants, and what they measured: each user's first exposure
 * (which variant they were assigned — kept for good, so later allocation changes never move them)
 * and per-user metric totals. Times are ISO 8601 strings; exposure and event times epoch ms.
 */
export type ExperimentStatus = "draft" | "running" | "stopped" | "shipped";

/** A conversion counts each user once (0 or 1); a value metric sums what each user tracked. */
export type MetricKind = "conversion" | "value";

export interface ExperimentMetric {
  /** The event name given to `track()`. */
  event: string;
  kind: MetricKind;
  /** Whether higher is better (conversion, revenue) or worse (latency). */
  direction: "increase" | "decrease";
}

export interface StoredExperiment {
  key: string;
  flagKey: string;
  description: string;
  /** The variant the others are compared with. */
  control: string;
  /** Variant → allocation weight the experiment expects (for the sample-ratio check). */
  allocation: Record<string, number>;
  /** The first is the primary metric (it decides the winner). */
  metrics: ExperimentMetric[];
  status: ExperimentStatus;
  createdAt: string;
  createdBy: string;
  startedAt: string | null;
  stoppedAt: string | null;
  shippedVariant: string | null;
}

export interface Exposure {
  experiment: string;
  user: string;
  variant: string;
  at: number;
}

export interface MetricEvent {
  experiment: string;
  event: string;
  user: string;
  /** 1 for a conversion; the tracked value otherwise. */
  value: number;
  at: number;
}

/** What a batch of exposures did: new assignments, and repeats of a user already assigned. */
export interface ExposureReport {
  recorded: number;
  repeated: number;
  /** Exposures that named another variant than the user's first assignment (kept on the first). */
  conflicting: number;
}

/** One variant's sufficient statistics for one metric (per exposed user, 0 when nothing tracked). */
export interface VariantTotals {
  variant: string;
  exposures: number;
  /** Users with at least one event of the metric. */
  converted: number;
  sum: number;
  sumOfSquares: number;
}

export interface ExposureBucket {
  /** Start of the bucket, epoch ms. */
  at: number;
  variant: string;
  exposures: number;
}

export interface ExperimentStore {
  /** Creates an experiment; answers false (changing nothing) when the key is taken. */
  create(experiment: StoredExperiment): Promise<boolean>;
  /** Every experiment, newest first. */
  list(): Promise<StoredExperiment[]>;
  get(key: string): Promise<StoredExperiment | undefined>;
  /**
   * Replaces an experiment's lifecycle fields, only if its status is still `from` (compare and
   * set: two people pressing start at once start it once). Answers whether it changed.
   */
  transition(
    key: string,
    from: ExperimentStatus,
    to: Pick<StoredExperiment, "status" | "startedAt" | "stoppedAt" | "shippedVariant">,
  ): Promise<boolean>;
  /** Records each (experiment, user)'s first exposure; later ones never change its variant. */
  recordExposures(exposures: readonly Exposure[]): Promise<ExposureReport>;
  /**
   * Adds metric events to the totals of users exposed to the experiment at or before the event;
   * answers how many counted (events of users not (yet) exposed are not attributed).
   */
  recordEvents(events: readonly MetricEvent[]): Promise<number>;
  /** The variant each running experiment assigned this user, by flag key (sticky evaluation). */
  assignments(user: string): Promise<Map<string, string>>;
  /** Per variant totals of one metric. */
  totals(experiment: string, metric: ExperimentMetric): Promise<VariantTotals[]>;
  /** New exposures per variant in buckets of `bucketMs`, oldest first. */
  exposureSeries(experiment: string, bucketMs: number): Promise<ExposureBucket[]>;
}
