import type { ApiAuditRecord, AuditStore } from "../ports/audit-store.js";
import type { StoredEvent } from "../ports/rollout-store.js";
import { settle, type SqliteDatabase } from "./database.js";
import { apiEvent, eventParams, toEvent, type EventRow } from "../rows/event-rows.js";

/** SQLite adapter of the AuditStore port: API requests kept beside the rollouts' events in `audit_events`. */
export class SqliteAuditStore implements AuditStore {
  constructor(private readonly db: SqliteDatabase) {}

  events(filter: {
    service?: string;
    environment?: string;
    type?: string;
    actor?: string;
    before?: number;
    limit?: number;
  }): Promise<StoredEvent[]> {
    return settle(() => this.eventsOf(filter));
  }

  private eventsOf(filter: Parameters<AuditStore["events"]>[0]): StoredEvent[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM audit_events WHERE (@service IS NULL OR service = @service)
         AND (@environment IS NULL OR environment = @environment)
         AND (@type IS NULL OR type = @type)
         AND (@actor IS NULL OR actor = @actor)
         AND (@before IS NULL OR seq < @before) ORDER BY seq DESC LIMIT @limit`,
      )
      .all({
        service: filter.service ?? null,
        environment: filter.environment ?? null,
        type: filter.type ?? null,
        actor: filter.actor ?? null,
        before: filter.before ?? null,
        limit: filter.limit ?? 100,
      }) as EventRow[];
    return rows.reverse().map(toEvent);
  }

  record(entry: ApiAuditRecord): Promise<void> {
    return settle(() => this.insert(entry));
  }

  private insert(entry: ApiAuditRecord): void {
    this.db
      .prepare(
        `INSERT INTO audit_events (at, actor, type, service, environment, rollout_id, message, reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(...eventParams(apiEvent(entry, new Date().toISOString())));
  }
}
