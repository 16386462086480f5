import type { DataPlaneObservation } from "../core/heal/reconcile.js";
import type { DataPlaneHostStatus, RevisionStats, RouteTable } from "../core/traffic/index.js";

/**
 * The traffic port: how the control plane drives a data plane, whichever it is. Both providers serve
 * the same admin API, so what drives them is shared and sits beside this file: router.ts (the
 * TrafficRouter), admin-client.ts (the DataPlaneAdmin), supervisor.ts (the DataPlaneKeeper),
 * spawn.ts. Each provider is a folder with the same roles — process.ts (what `slipway proxy`
 * runs), data-plane.ts, stats.ts: builtin/ (Slipway's own proxy) and haproxy/ (HAProxy driven by
 * Slipway). Every provider passes the same contract suite (test/traffic/contract.ts:
 * trafficRouterContract). It speaks only the core's data-plane-neutral types (src/core/traffic).
 */

/** What the rollout controller and the analysis use: the data plane's table kept right, and its stats. */
export interface TrafficRouter {
  /**
   * Idempotent: sends the complete table only when it differs from what the data plane holds.
   * Resolves once the data plane acknowledged it (rejects when it did not: the table is then not in
   * place).
   */
  sync(): Promise<void>;
  /** Per-revision running totals: status classes, in-flight requests, exact latency histogram. */
  stats(): Promise<RevisionStats[]>;
  /** Generation of the table the data plane last acknowledged; undefined before the first sync. */
  acknowledged(): number | undefined;
  /**
   * Forget what the data plane was last told (it restarted, or holds another table): the next sync
   * reads its table again and sends the desired one whatever it holds.
   */
  forget(): void;
  /** Data planes on several hosts (data-plane-set.ts); absent with one data plane. */
  shortfall?(environment: string): string | undefined;
  hostsOf?(environment: string): DataPlaneHostStatus[];
}

/** Where the analysis reads per-revision stats (the TrafficRouter, or a test double). */
export type RevisionStatsSource = Pick<TrafficRouter, "stats">;

/** What a provider's data plane answers to: the TrafficRouter's side of the wire. */
export interface DataPlaneAdmin {
  /**
   * Replace the whole table atomically; resolves with its generation once every request routes by
   * it. Refused (rejects) when `table.generation` is lower than the one the data plane holds.
   */
  applyRoutes(table: RouteTable): Promise<{ generation: number }>;
  /** The table the data plane holds now (generation 0 and no routes before the first one). */
  routes(): Promise<RouteTable>;
  stats(): Promise<RevisionStats[]>;
  /**
   * Several hosts only: why the environment's data-plane hosts do not yet hold its current routes
   * (fewer than its quorum acknowledged them), or undefined when they do.
   */
  shortfall?(environment: string): string | undefined;
  /** Several hosts only: each host serving the environment, its acknowledged generation and health. */
  hostsOf?(environment: string): DataPlaneHostStatus[];
}

/**
 * What the controller needs to keep the data plane itself alive (the TrafficRouter keeps its table
 * right). Implemented by src/traffic/supervisor.ts.
 */
export interface DataPlaneKeeper {
  /** Up with the generation of the table it serves, or down with why. Never rejects. */
  observe(): Promise<DataPlaneObservation>;
  /**
   * Start a new data plane with the same traffic address and state (it loads its persisted table).
   * False when it did not (backing off after a failure, or its process still exists).
   */
  restart(): Promise<boolean>;
}
