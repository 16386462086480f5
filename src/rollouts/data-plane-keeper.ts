import type { DataPlaneObservation } from "../core/heal/reconcile.js";

/**
 * The DataPlaneKeeper port: what the controller needs to keep the proxy itself alive (the TrafficRouter
 * keeps its table right). Implemented by src/traffic/builtin/supervisor.ts.
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
