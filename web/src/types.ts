/**
 * What the dashboard reads from the HTTP API (docs/api.md, TEAM contracts). These mirror the
 * server's JSON rather than importing its modules: the dashboard is one more API client, and
 * fields added later (canary, analysis) are optional so an older server still renders.
 */
import type { MetricRunState } from "../../src/core/analysis/metric-run.js";
import type { MetricUnit } from "../../src/core/analysis/verdict.js";
import type { RevisionRates, SeriesPoint } from "../../src/core/rollout/series.js";
import type { ProbeResult } from "../../src/core/revision/spec.js";

export type { MetricRunState, MetricUnit, ProbeResult, RevisionRates, SeriesPoint };

export type Role = "viewer" | "deployer" | "admin";
export interface SessionUser {
  id: string;
  name: string;
  role: Role;
}
export interface Session {
  user: SessionUser;
  csrfToken: string;
  /** True when the server has no sign-in (an older control plane): everything is allowed. */
  open?: boolean;
}

export interface RevisionRef {
  id: string;
  version: string;
}

export type CanaryStep =
  | { kind: "setWeight"; weight: number }
  | { kind: "pause"; durationMs?: number; manual?: true }
  | { kind: "analysis"; metrics?: { name: string }[] };

export interface CanaryState {
  steps: CanaryStep[];
  stepIndex: number;
  weight: number;
  stepSince: number;
  paused?: { since: number; reason: string; by: "step" | "analysis" | "user" };
}

export interface AnalysisOutcome {
  decision: "continue" | "wait" | "pause" | "abort";
  phase: string;
  explanation: string;
  dryRun: string[];
}

export interface AnalysisRecord {
  id: string;
  step?: number;
  startedAt: number;
  finishedAt?: number;
  outcome?: AnalysisOutcome;
  metrics: { name: string; unit: MetricUnit; judge: string; dryRun: boolean; state: MetricRunState }[];
}

export interface Rollout {
  id: string;
  service: string;
  environment: string;
  kind: "deploy" | "rollback";
  strategy?: "blue-green" | "canary";
  candidate: RevisionRef;
  stable?: RevisionRef;
  phase: string;
  phaseSince: number;
  createdAt: number;
  actor: string;
  outcome?: string;
  reason?: string;
  switchedAt?: number;
  canary?: CanaryState;
  approval?: { requestedBy?: string; approvers?: string[]; reason?: string; expiresAt?: number } & Record<
    string,
    unknown
  >;
  analysis?: AnalysisRecord[];
  settings?: { smokeCommand?: string };
}

export interface StoredEvent {
  seq: number;
  at: string;
  actor: string;
  type: string;
  service?: string;
  environment?: string;
  rolloutId?: string;
  message: string;
  reason?: string;
}

export interface Instance {
  id: string;
  state: string;
  port?: number;
  pid?: number;
  restarts?: number;
  lastError?: string;
  /** The latest probe of the instance's process (newer servers). */
  lastProbe?: ProbeResult;
}

/** GET /api/rollouts/{id}: the instances of its candidate and stable revisions (newer servers). */
export interface RevisionInstances {
  role: "candidate" | "stable";
  id: string;
  version: string;
  instances: Instance[];
}

/** GET /api/rollouts/{id}/series */
export interface SeriesReply {
  rolloutId: string;
  intervalMs: number;
  points: SeriesPoint[];
}

export interface EnvironmentStatus {
  service: string;
  environment: string;
  live: string | null;
  revisions: { id: string; version: string; weight: number; instances: Instance[] }[];
  /** Whether this environment's traffic is served (the control plane's last reconcile pass). */
  serving?: { status: "ok" | "degraded" | "down"; problems: string[] };
  rollout: Rollout | null;
  lastRollout: Rollout | null;
  /** The environment's data planes on other hosts (`dataPlanes` in slipway.yaml); empty without. */
  dataPlanes?: DataPlaneHost[];
}

/** A host serving an environment's routes, as the control plane last heard from it. */
export interface DataPlaneHost {
  name: string;
  admin: string;
  health: "in-sync" | "behind" | "unreachable";
  /** Generation of the route table it last acknowledged; null before its first. */
  generation: number | null;
  desiredGeneration: number | null;
  error?: string;
  /** ms since epoch; null before its first acknowledgement. */
  acknowledgedAt: number | null;
}

export interface StatusReply {
  apiUrl?: string;
  proxyUrl?: string;
  /** Which data plane serves the traffic. */
  dataPlane?: "builtin" | "haproxy";
  environments: EnvironmentStatus[];
}

/** A step of a job (GET /api/runs/:id): live while the job runs, from its result after. */
export interface RunStep {
  name: string;
  status: "running" | "completed";
  conclusion: string | null;
  startedAt: string | null;
  durationMs: number | null;
}

/** One stored log line (GET /api/runs/:id/logs), masked as stored. */
export interface RunLogLine {
  step: string;
  level: string;
  text: string;
  /** ISO-8601; absent on lines an older server recorded. */
  at?: string;
}

/** The commit a run ran (GET /api/runs/:id). */
export interface RunCommit {
  sha: string;
  message: string;
  author: string;
  authoredAt: string;
}

export interface RunJob {
  id: string;
  key: string;
  name: string;
  needs: string[];
  status: string;
  conclusion: string | null;
  startedAt: string | null;
  durationMs: number | null;
  reason?: string;
  steps?: RunStep[];
}

export interface Run {
  runId: string;
  runNumber: number | null;
  workflow: string;
  event: string;
  ref: string;
  sha: string;
  status: string;
  conclusion: string | null;
  startedAt: string;
  durationMs: number | null;
  actor: string | null;
  reason?: string;
  jobs: RunJob[];
  workflowFile?: string;
  commit?: RunCommit;
}

export interface DeadLetter {
  id: string;
  channel: string;
  notification?: { id: string; event?: { type?: string } & Record<string, unknown> };
  attempts: number;
  lastError: string;
  createdAt: number;
  lastAttemptAt: number;
}

/** One message of GET /api/events (`event: change`). */
export type Change =
  | { kind: "event"; event: StoredEvent }
  | { kind: "rollout"; rollout: Rollout }
  | { kind: "run"; run: Run }
  | { kind: string; [key: string]: unknown };
