/**
 * Analysis defaults, each with where it comes from. The seeds' rollback triggers: error rate
 * above 5 % (seeds 001, 002, 004), p95 above 5 s (seed 001), response time above 2× the baseline
 * (seed 004). Run bookkeeping follows Argo Rollouts' AnalysisRun defaults.
 */
export const ANALYSIS_DEFAULTS = {
  /** Seed 001/002/004: roll back when the error rate exceeds 5 %. */
  maxErrorRate: 0.05,
  /** Seed 001: roll back when p95 latency exceeds 5 s. */
  maxLatencyP95Ms: 5000,
  /** Seed 004: roll back on response time above 2× the baseline. */
  maxRatioToBaseline: 2,
  /** Significance level of the one-sided statistical tests (Kayenta's judge uses 98 % two-sided). */
  alpha: 0.01,
  /** Fewer observations per revision than this make a comparison inconclusive (Kayenta warns below 50). */
  minSamples: 50,
  /**
   * Practical effect, relative: a comparison fails only when the canary is at least 25 % worse
   * than stable (canary/stable mean latency ≥ 1.25, or error rate ≥ 1.25× stable's), however small
   * the p-value. Kayenta's judge uses the same ±25 % practical bound; 1.1 rolled back releases
   * identical to stable (a cold canary, a shared machine), and 1.25 still catches a 1.5× slowdown.
   */
  minEffectRatio: 1.25,
  /**
   * Practical effect, absolute, for the whole distribution (the statistical latency judge): the
   * canary's mean must be at least 10 ms slower. A tenth of the tightest latency budget in the
   * seeds (seed 002: first byte under 100 ms); the false rollbacks of identical releases differed
   * by 0.8–1.7 ms, scheduling noise on a shared host. Per metric: `minDelta`.
   */
  minLatencyDeltaMs: 10,
  /**
   * Practical effect, absolute, for a tail percentile (p95 vs stable, the 2× ratio judge): at least
   * 100 ms more, the blue-green baseline trigger's floor. A tail is noisy (one slow request in 20
   * moves a p95) and a 2× jump of a 3 ms p95 to 8 ms is invisible to users.
   */
  minPercentileDeltaMs: 100,
  /**
   * Practical effect, absolute, for error rates: the canary's rate must be at least 1 point higher.
   * Seed 001's target is an error rate below 1 %: a rise smaller than that whole budget does not matter.
   */
  minErrorRateIncrease: 0.01,
  /**
   * How long a measurement may wait for its minimum samples (and the warm-up) before it counts as
   * inconclusive: 10 minutes, Argo's progressDeadlineSeconds (600) and the upper end of its "metrics
   * should decide in 5–15 min". A waiting measurement never uses up `count` or `inconclusiveLimit`.
   */
  maxWaitMs: 600_000,
  /** While waiting, re-measure at least this often (or at the metric's interval if shorter). */
  waitPollMs: 5_000,
  /**
   * Canary warm-up: requests in the first 30 s after the canary took traffic are left out of every
   * comparison with stable (a cold process, empty caches and a JIT against a warm stable is not a
   * fair comparison). Kayenta's beginAfterMins; thresholds and rollback triggers still apply.
   */
  warmUpMs: 30_000,
  /** Argo: measurements that may fail before the run fails. */
  failureLimit: 0,
  /** Argo: inconclusive measurements tolerated (policies pause and fail). */
  inconclusiveLimit: 0,
  /** Inconclusive measurements retried under the "wait" policy before the run pauses. */
  waitLimit: 10,
  /** Argo: consecutive provider errors tolerated before the run errors. */
  consecutiveErrorLimit: 4,
  /** Argo: measurements kept per metric. */
  measurementRetention: 10,
  /** Flagger's default analysis interval. */
  intervalMs: 60_000,
  /** Argo web metric / Flagger webhook timeout. */
  providerTimeoutMs: 10_000,
} as const;
