import type { ApiAuditRecord } from "../ports/audit-store.js";
import type { StoredEvent } from "../ports/rollout-store.js";

/** A row of `audit_events` (either adapter), which both the rollout store and the API audit store read. */
export interface EventRow {
  seq: number;
  at: string;
  actor: string;
  type: string;
  service: string | null;
  environment: string | null;
  rollout_id: string | null;
  message: string;
  reason: string | null;
}

/** An audit event as the ports speak it: absent fields left out rather than null. */
export function toEvent(row: EventRow): StoredEvent {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    type: row.type,
    ...(row.service ? { service: row.service } : {}),
    ...(row.environment ? { environment: row.environment } : {}),
    ...(row.rollout_id ? { rolloutId: row.rollout_id } : {}),
    message: row.message,
    ...(row.reason ? { reason: row.reason } : {}),
  };
}

/** The values of an `audit_events` insert, in its column order (at … reason); absent fields as NULL. */
export function eventParams(e: Omit<StoredEvent, "seq">): unknown[] {
  return [
    e.at,
    e.actor,
    e.type,
    e.service ?? null,
    e.environment ?? null,
    e.rolloutId ?? null,
    e.message,
    e.reason ?? null,
  ];
}

/** The audit event of one API request, recorded at `at`. */
export const apiEvent = (entry: ApiAuditRecord, at: string): Omit<StoredEvent, "seq"> => ({
  at,
  actor: entry.actor,
  type: `api.${entry.action}`,
  ...(entry.environment !== undefined ? { environment: entry.environment } : {}),
  message: `${entry.actorName} ${entry.method} ${entry.path} → ${entry.status}`,
  ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
});
