import type { ApprovalRequest } from "../access/approvals.js";
import type { MetricDefinition } from "../analysis/definition.js";
import type { AnalysisOutcome, MetricRunState } from "../analysis/metric-run.js";
import type { MetricUnit } from "../analysis/verdict.js";

/**
 * The rollout model, pure data. A rollout moves one (service, environment) from its stable revision
 * to a candidate. Blue-green switches all traffic at once and then analyses; canary walks a list of
 * steps (`stepping`, `paused`) with analysis runs, reusing the start, smoke and cleanup phases and
 * the trigger evaluation. Either may first wait for an approval (`awaiting-approval`).
 */

/** Phases that hold the (service, environment) lock: the rollout is still deciding. */
export type DecidingPhase =
  "awaiting-approval" | "pending" | "starting" | "smoke" | "stepping" | "paused" | "analysing";
/** Decided, cleaning up: the loser revision is kept warm, drained, then stopped. */
export type CleanupPhase = "warm" | "draining" | "stopping";
export type FinalPhase = "promoted" | "rolled-back" | "superseded" | "failed";
export type RolloutPhase = DecidingPhase | CleanupPhase | FinalPhase;

/** How a decided rollout will end once its cleanup is done. */
export type RolloutOutcome = FinalPhase;

export type RolloutKind = "deploy" | "rollback";

export type RolloutStrategy = "blue-green" | "canary";

/** One canary step, as slipway.yaml's `steps` (metrics already validated). */
export type CanaryStep =
  | { kind: "setWeight"; weight: number }
  | { kind: "pause"; durationMs: number }
  | { kind: "pause"; manual: true }
  | { kind: "analysis"; metrics: MetricDefinition[] };

/** Where a canary is in its steps. */
export interface CanaryState {
  steps: CanaryStep[];
  /** The step in effect; steps.length once every step is done. */
  stepIndex: number;
  /** Percent of traffic to the candidate; the stable revision gets the rest. */
  weight: number;
  /** When the current step began (epoch ms). */
  stepSince: number;
  /** Set in phase "paused": why, and who has to act. */
  paused?: { since: number; reason: string; by: "step" | "analysis" | "user" };
}

/** One analysis run kept with its rollout: background (no `step`) or an `analysis` step's. */
export interface AnalysisRecord {
  /** "r-3/a1" */
  id: string;
  /** Index of the `analysis` step; undefined for the background analysis. */
  step?: number;
  startedAt: number;
  finishedAt?: number;
  outcome?: AnalysisOutcome;
  metrics: AnalysisMetric[];
}

export interface AnalysisMetric {
  name: string;
  unit: MetricUnit;
  /** The judge's kind ("threshold", "distribution", …). */
  judge: string;
  dryRun: boolean;
  state: MetricRunState;
}

/** Header/cookie/sticky routing of a canary, copied into the proxy route while it steps. */
export interface CanaryRoutingSettings {
  header?: { name: string; value?: string };
  cookie?: { name: string; value?: string };
  sticky?: { cookie: string; maxAgeS: number };
}

export interface RevisionRef {
  /** "web/production@v3" */
  id: string;
  version: string;
}

export interface ErrorRateTrigger {
  /** Share of 5xx responses above which the candidate is rolled back (0.05 = 5 %). */
  threshold: number;
  windowMs: number;
  /** Fewer requests than this in the window: no verdict (never a silent failure on 1 of 2). */
  minRequests: number;
}

export interface LatencyTrigger {
  /** 0.95 = p95. */
  percentile: number;
  thresholdMs: number;
  windowMs: number;
  minRequests: number;
}

export interface BaselineRatioTrigger {
  percentile: number;
  /** Candidate p95 above factor × stable p95 (measured before the switch) trips. */
  factor: number;
  windowMs: number;
  minRequests: number;
  /** Ignore differences smaller than this: 2 × 1 ms is noise, not a regression. */
  minDeltaMs: number;
}

export interface TriggerSettings {
  /** Consecutive failed health checks of a candidate instance (seed 001: three). */
  healthFailures: number;
  /** Restarts of a candidate instance before it is declared crashing while starting. */
  startCrashes: number;
  errorRate: ErrorRateTrigger;
  p95: LatencyTrigger;
  baselineRatio: BaselineRatioTrigger;
}

export interface WatchSettings {
  /** A promoted release that fails within this long goes back to the previous release. */
  windowMs: number;
  /** Roll back automatically within the window (off: service.down is still reported). */
  rollback: boolean;
  /** The live revision with no ready instance this long is down. */
  downAfterMs: number;
}

export interface RolloutSettings {
  /** Readiness must come within this long, else rollback ("progress deadline"). */
  readyTimeoutMs: number;
  /** Pre-promotion smoke command, run with SLIPWAY_PREVIEW_URL; absent = no smoke step. */
  smokeCommand?: string;
  smokeTimeoutMs: number;
  /** Post-switch analysis window; 0 skips analysis (rollback redeploys never wait for it). */
  analysisWindowMs: number;
  /**
   * A first deploy (no stable revision to compare with or fall back to) is analysed at most this
   * long. Absent (older rollouts, library callers): FIRST_DEPLOY_WINDOW_MS.
   */
  firstDeployWindowMs?: number;
  /** How long the previous revision stays warm after promotion (instant rollback window). */
  scaleDownDelayMs: number;
  /** In-flight requests of a retired revision may finish for this long before it is stopped. */
  drainTimeoutMs: number;
  triggers: TriggerSettings;
  /**
   * After promotion (src/core/rollout/watch.ts). Absent on rollouts recorded before the watch
   * existed: those are watched for service.down only.
   */
  watch?: WatchSettings;
  /**
   * Canary: the background analysis run through every step from the first weight above 0
   * (slipway.yaml's `analysis.metrics`, else the default canary metrics).
   */
  metrics?: MetricDefinition[];
  /** Canary: how testers reach the canary, and sticky assignment. */
  canaryRouting?: CanaryRoutingSettings;
  /**
   * Canary: requests in this long after the canary first took traffic are left out of comparisons
   * with stable (judges that need a baseline). Absent: ANALYSIS_DEFAULTS.warmUpMs.
   */
  analysisWarmUpMs?: number;
}

export interface Rollout {
  id: string;
  service: string;
  environment: string;
  kind: RolloutKind;
  strategy: RolloutStrategy;
  candidate: RevisionRef;
  /** What served before; absent on a first deploy. */
  stable?: RevisionRef;
  phase: RolloutPhase;
  /**
   * Epoch ms when the current phase began (injected clock); canary and approval transitions that
   * keep the phase set it to their own time, which the Store stamps on their event. A canary's
   * step time is `canary.stepSince`.
   */
  phaseSince: number;
  createdAt: number;
  actor: string;
  /** Where a decided rollout ends; set with the decision. */
  outcome?: RolloutOutcome;
  /** Why it ended the way it did, for people ("error rate 20.0% > 5% over 2s (40 requests)"). */
  reason?: string;
  /** Revision being drained and stopped during cleanup (the loser). */
  retire?: RevisionRef;
  switchedAt?: number;
  /** Candidate restarts counted when traffic switched: a later increase means it crashed. */
  restartsAtSwitch?: number;
  settings: RolloutSettings;
  /** Canary progress (strategy "canary"). */
  canary?: CanaryState;
  /** Present when the rollout was held for an approval. */
  approval?: ApprovalRequest;
  /** Analysis runs, oldest first. */
  analysis?: AnalysisRecord[];
}

/** Desired traffic of one (service, environment): weight 0 = preview only. */
export interface TrafficEntry {
  revision: string;
  weight: number;
}
export type Traffic = TrafficEntry[];

export type TrafficChange =
  | { kind: "add-preview"; revision: string }
  | { kind: "switch"; to: string; drop?: string }
  /** Canary weight: `canary` gets `weight` percent, `stable` the rest, every other revision 0. */
  | { kind: "set-weight"; canary: string; stable: string; weight: number }
  | { kind: "remove"; revision: string };

/** Cumulative counters of one revision read from the proxy at time `at`. */
export interface StatsSample {
  at: number;
  total: number;
  errors5xx: number;
  /** Cumulative per upper bound (Prometheus-style); `count` includes observations beyond the last bound. */
  latency: { bucketsMs: number[]; counts: number[]; count: number };
}

export interface CandidateHealth {
  desired: number;
  ready: number;
  /** Instances in state "crashed" now. */
  crashed: number;
  /** Restarts summed over instances. */
  restarts: number;
  /** Longest run of failed health checks among instances, as observed by the controller. */
  consecutiveHealthFailures: number;
  lastError?: string;
}

export type SmokeStatus = { status: "running" } | { status: "passed" } | { status: "failed"; detail: string };

export interface Observations {
  candidate: CandidateHealth;
  /** The revision being retired: requests in flight and instances still alive. */
  retiring?: { inflight: number; instances: number };
  smoke?: SmokeStatus;
  /** Proxy samples, oldest first. */
  candidateSamples: StatsSample[];
  stableSamples: StatsSample[];
  /**
   * The data plane has not acknowledged the desired route table (down, or the update failed): a
   * rollout then neither promotes nor advances, since the traffic it would judge is not yet moved.
   */
  trafficUnacknowledged?: boolean;
}

export type EventType =
  | "rollout.created"
  | "rollout.candidate-started"
  | "rollout.smoke-started"
  | "rollout.switched"
  | "rollout.promoted"
  | "rollout.rollback"
  | "rollout.superseded"
  | "rollout.failed"
  | "rollout.draining"
  | "rollout.stopping"
  | "rollout.finished"
  | "rollout.approval-requested"
  | "rollout.approval-vote"
  | "rollout.approved"
  | "rollout.rejected"
  | "rollout.approval-expired"
  | "rollout.weight"
  | "rollout.step"
  | "rollout.paused"
  | "rollout.resumed"
  | "rollout.analysis-started"
  | "rollout.analysis-finished";

export interface AuditEvent {
  type: EventType;
  message: string;
}

export type WaitKind = "wait-ready" | "analyse" | "wait";

export type TransitionKind =
  | "start-candidate"
  | "run-smoke"
  | "switch-traffic"
  | "scale-down"
  | "drain"
  | "stop"
  | "rollback"
  | "done"
  /** Canary: change the weights (traffic); the other canary kinds only record progress. */
  | "set-weight"
  | "advance"
  | "pause"
  | "resume"
  | "analysis"
  /** Canary: all traffic to the candidate, the stable revision stays warm. */
  | "promote"
  /** Approval: a vote recorded, or the hold decided. */
  | "approval";

export interface Wait {
  kind: WaitKind;
  reason: string;
}

/**
 * A decision: commit `patch` (and the traffic change) with `event` in one transaction, then perform
 * the side effect named by `kind`. Side effects are idempotent, so replaying after a crash is safe.
 */
export interface Transition {
  kind: TransitionKind;
  patch: Partial<Rollout> & { phase: RolloutPhase; phaseSince: number };
  traffic?: TrafficChange;
  event: AuditEvent;
}

export type Action = Wait | Transition;

export const isTransition = (action: Action): action is Transition =>
  action.kind !== "wait" && action.kind !== "wait-ready" && action.kind !== "analyse";

export const isFinal = (phase: RolloutPhase): phase is FinalPhase =>
  phase === "promoted" || phase === "rolled-back" || phase === "superseded" || phase === "failed";

export const isDeciding = (phase: RolloutPhase): phase is DecidingPhase =>
  phase === "awaiting-approval" ||
  phase === "pending" ||
  phase === "starting" ||
  phase === "smoke" ||
  phase === "stepping" ||
  phase === "paused" ||
  phase === "analysing";
