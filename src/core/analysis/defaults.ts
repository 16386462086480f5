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
  /** The statistical latency judge fails only when canary/stable mean latency is at least this. */
  minLatencyRatio: 1.1,
  /** The error-rate judge fails only when the canary's rate is at least this much higher (absolute). */
  minErrorRateIncrease: 0.01,
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
