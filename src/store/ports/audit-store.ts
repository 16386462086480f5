import type { StoredEvent } from "./rollout-store.js";

/** One audit record of a mutating API request. */
export interface ApiAuditRecord {
  /** Who acted: the user's or token's name (actorOf), never the token itself. */
  actor: string;
  actorName: string;
  action: string;
  method: string;
  path: string;
  status: number;
  environment?: string;
  reason?: string;
}

/**
 * The audit trail as the API reads and writes it: API requests recorded beside the rollouts'
 * events (type `api.<action>`), so `slipway history` and `GET /api/history` show who asked for what.
 */
export interface AuditStore {
  /**
   * The newest `limit` (100) audit events (rollouts' and the API's) matching the filter, oldest
   * first; `before` pages back by sequence number (the page before one starting at seq 120 is
   * `before: 120`).
   */
  events(filter: {
    service?: string;
    environment?: string;
    type?: string;
    actor?: string;
    before?: number;
    limit?: number;
  }): Promise<StoredEvent[]>;
  record(entry: ApiAuditRecord): Promise<void>;
}
