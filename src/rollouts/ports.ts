import type { AnalysisRecord, RevisionRef, Rollout, Traffic, Transition } from "../core/rollout/types.js";
import type { TrafficPolicy } from "../core/traffic/index.js";
import type { RevisionSpec } from "../runtimes/runtime.js";

/** Where a service's traffic enters: copied into the proxy's route for (service, environment). */
export interface RouteSpec {
  /** "web/production" (first route of the service) or "web/production#2". */
  id: string;
  hosts: string[];
  pathPrefix: string;
  policy: TrafficPolicy;
}

export interface EnvironmentTraffic {
  service: string;
  environment: string;
  routes: RouteSpec[];
  traffic: Traffic;
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

export interface NewRollout {
  rollout: Omit<Rollout, "id">;
  spec: RevisionSpec;
  routes: RouteSpec[];
}

/** The Store port of the rollout controller (SQLite today, PostgreSQL later). */
export interface RolloutStore {
  /**
   * In one transaction: take the (service, environment) lock, optionally end the rollout that holds
   * it with `supersede` first, record the candidate's revision spec and route, insert the rollout
   * with its "created" event. Throws SLIPWAY_CONFLICT naming the holder if the lock is taken.
   */
  createRollout(input: NewRollout, supersede?: { rolloutId: string; transition: Transition }): Rollout;
  /** Commit a transition with its audit event (and traffic change) in one transaction; releases the lock once decided. */
  commitTransition(rolloutId: string, transition: Transition, actor: string): Rollout;
  getRollout(id: string): Rollout | undefined;
  /** Replace a rollout's analysis records (new measurements); no event, the phase is unchanged. */
  saveAnalysis(rolloutId: string, analysis: AnalysisRecord[]): Rollout;
  /** The rollout holding the (service, environment) lock, if any. */
  lockHolder(service: string, environment: string): Rollout | undefined;
  unfinished(): Rollout[];
  list(filter?: { service?: string; environment?: string; limit?: number }): Rollout[];
  /** Promoted rollouts, newest first (for "rollback to the previous release"). */
  promoted(service: string, environment: string, limit: number): Rollout[];
  revisionSpec(revisionId: string): RevisionSpec | undefined;
  /** Every environment's desired traffic: the source of the proxy's route table. */
  allTraffic(): EnvironmentTraffic[];
  traffic(service: string, environment: string): EnvironmentTraffic | undefined;
  events(filter?: {
    service?: string;
    environment?: string;
    rolloutId?: string;
    limit?: number;
  }): StoredEvent[];
  /** Events with a sequence number above `seq`, oldest first (live updates after each commit). */
  eventsSince(seq: number, limit?: number): StoredEvent[];
  /** A standalone audit event (e.g. "deploy of the live version: nothing to do"). */
  recordEvent(event: Omit<StoredEvent, "seq" | "at">): void;
  /** Next route-table generation; persisted so it keeps increasing across restarts. */
  nextGeneration(atLeast: number): number;
}

export type { RevisionRef };
