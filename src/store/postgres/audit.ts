import type { ApiAuditRecord, AuditStore } from "../ports/audit-store.js";
import type { StoredEvent } from "../ports/rollout-store.js";
import { apiEvent, toEvent, type EventRow } from "../rows/event-rows.js";
import type { PostgresDatabase } from "./database.js";
import { insertEvent } from "./rollouts.js";

/** PostgreSQL adapter of the AuditStore port: API requests kept beside the rollouts' events in `audit_events`. */
export class PostgresAuditStore implements AuditStore {
  constructor(private readonly db: PostgresDatabase) {}

  async events(filter: Parameters<AuditStore["events"]>[0]): Promise<StoredEvent[]> {
    const rows = await this.db.rows<EventRow>(
      `SELECT * FROM audit_events WHERE ($1::text IS NULL OR service = $1)
       AND ($2::text IS NULL OR environment = $2)
       AND ($3::text IS NULL OR type = $3)
       AND ($4::text IS NULL OR actor = $4)
       AND ($5::bigint IS NULL OR seq < $5) ORDER BY seq DESC LIMIT $6`,
      [
        filter.service ?? null,
        filter.environment ?? null,
        filter.type ?? null,
        filter.actor ?? null,
        filter.before ?? null,
        filter.limit ?? 100,
      ],
    );
    return rows.reverse().map(toEvent);
  }

  record(entry: ApiAuditRecord): Promise<void> {
    return this.db.transaction((tx) => insertEvent(tx, apiEvent(entry, new Date().toISOString())));
  }
}
