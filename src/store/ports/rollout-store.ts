import type { AnalysisRecord, RevisionRef, Rollout, Traffic, Transition } from "../../core/rollout/types.js";
import type { TrafficPolicy } from "../../core/traffic/index.js";
import type { RevisionSpec } from "../../core/revision/spec.js";

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

/** What the status document shows of one environment, read at once (RolloutStore.statusInputs). */
export interface EnvironmentStatusInputs extends EnvironmentTraffic {
  /** The rollout holding the environment's lock, if any (as lockHolder). */
  holder?: Rollout;
  /** The environment's newest rollout, if any (as list({ service, environment, limit: 1 })). */
  last?: Rollout;
  /**
   * The stored specs of the traffic's revisions and of the candidate of `holder` (else `last`), by
   * revision id (as revisionSpec); a revision without one is absent.
   */
  specs: Map<string, RevisionSpec>;
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

/**
 * The rollout controller's part of the Store: rollouts, their revision specs, each environment's
 * desired traffic and the audit trail. Every method that changes a rollout is one transaction that
 * commits the change with its audit event.
 */
export interface RolloutStore {
  /**
   * In one transaction: take the (service, environment) lock, optionally end the rollout that holds
   * it with `supersede` first, record the candidate's revision spec and route, insert the rollout
   * with its "created" event. Rejects with SLIPWAY_CONFLICT naming the holder if the lock is taken
   * (or, with `supersede`, if that rollout no longer holds it).
   */
  createRollout(
    input: NewRollout,
    supersede?: { rolloutId: string; transition: Transition },
  ): Promise<Rollout>;
  /** Commit a transition with its audit event (and traffic change) in one transaction; releases the lock once decided. */
  commitTransition(rolloutId: string, transition: Transition, actor: string): Promise<Rollout>;
  getRollout(id: string): Promise<Rollout | undefined>;
  /**
   * Replace a rollout's analysis records with `update(current)` in one transaction (new
   * measurements; no event, the phase is unchanged). `update` sees the rollout as committed, so a
   * transition committed meanwhile is not overwritten; it answers undefined to change nothing.
   * Resolves to the saved rollout, or undefined when nothing changed or there is no such rollout.
   */
  updateAnalysis(
    rolloutId: string,
    update: (current: Rollout) => AnalysisRecord[] | undefined,
  ): Promise<Rollout | undefined>;
  /** The rollout holding the (service, environment) lock, if any. */
  lockHolder(service: string, environment: string): Promise<Rollout | undefined>;
  /** Rollouts not yet final, oldest first. */
  unfinished(): Promise<Rollout[]>;
  /** Newest first; 50 unless `limit`. */
  list(filter?: { service?: string; environment?: string; limit?: number }): Promise<Rollout[]>;
  /** Promoted rollouts, newest first (for "rollback to the previous release"). */
  promoted(service: string, environment: string, limit: number): Promise<Rollout[]>;
  revisionSpec(revisionId: string): Promise<RevisionSpec | undefined>;
  /** Every environment's desired traffic: the source of the proxy's route table. */
  allTraffic(): Promise<EnvironmentTraffic[]>;
  traffic(service: string, environment: string): Promise<EnvironmentTraffic | undefined>;
  /**
   * Every environment as allTraffic answers it (same order), with its lock holder, newest rollout
   * and the revision specs the status document shows: a fixed number of queries, not several per
   * environment (GET /api/status on PostgreSQL paid a round trip for each).
   */
  statusInputs(): Promise<EnvironmentStatusInputs[]>;
  /** The newest `limit` (100) events matching the filter, oldest first. */
  events(filter?: {
    service?: string;
    environment?: string;
    rolloutId?: string;
    limit?: number;
  }): Promise<StoredEvent[]>;
  /** Events with a sequence number above `seq`, oldest first (live updates after each commit). */
  eventsSince(seq: number, limit?: number): Promise<StoredEvent[]>;
  /** A standalone audit event (e.g. "deploy of the live version: nothing to do"). */
  recordEvent(event: Omit<StoredEvent, "seq" | "at">): Promise<void>;
  /** Next route-table generation; persisted so it keeps increasing across restarts. */
  nextGeneration(atLeast: number): Promise<number>;
}

export type { RevisionRef };
