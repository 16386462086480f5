import { SlipwayError } from "../../core/errors.js";
import { applyTrafficChange } from "../../core/rollout/traffic.js";
import { isDeciding, type AnalysisRecord, type Rollout, type Transition } from "../../core/rollout/types.js";
import type {
  EnvironmentStatusInputs,
  EnvironmentTraffic,
  NewRollout,
  RolloutStore,
  RouteSpec,
  StoredEvent,
} from "../ports/rollout-store.js";
import type { RevisionSpec } from "../../core/revision/spec.js";
import { upgradeRevisionSpec } from "../../core/revision/upgrade.js";
import { settle, type SqliteDatabase } from "./database.js";
import { eventParams, toEvent, type EventRow } from "../rows/event-rows.js";
import {
  createdEvent,
  iso,
  revisionParams,
  rolloutFromRow,
  rolloutParams,
  scopeOf,
  statusFromRows,
  toTraffic,
  transitionEvent,
  transitionParams,
  withSpecs,
  type RolloutRow,
  type StatusRow,
  type TrafficRow,
} from "../rows/rollout-rows.js";

/** SQLite adapter of the rollout Store port (tables from migration 002). */
export class SqliteRolloutStore implements RolloutStore {
  constructor(private readonly db: SqliteDatabase) {}

  createRollout(
    input: NewRollout,
    supersede?: { rolloutId: string; transition: Transition },
  ): Promise<Rollout> {
    return settle(() => this.insertRollout(input, supersede));
  }

  private insertRollout(
    input: NewRollout,
    supersede?: { rolloutId: string; transition: Transition },
  ): Rollout {
    const r = input.rollout;
    return this.db
      .transaction(() => {
        const scope = scopeOf(r.service, r.environment);
        if (supersede) {
          // The caller decided to supersede from an earlier read: if that rollout let go of the lock
          // since (decided meanwhile), its transition no longer applies.
          if (this.holderOf(r.service, r.environment)?.id !== supersede.rolloutId) {
            throw new SlipwayError(
              "SLIPWAY_CONFLICT",
              `rollout ${supersede.rolloutId} no longer holds ${scope}; deploy again`,
            );
          }
          this.applyTransition(supersede.rolloutId, supersede.transition, r.actor);
        }
        const holder = this.holderOf(r.service, r.environment);
        if (holder) {
          throw new SlipwayError(
            "SLIPWAY_CONFLICT",
            `rollout ${holder.id} (${scope} ${holder.candidate.version}, ${holder.phase}) is already running`,
          );
        }
        const seq = (
          this.db.prepare("SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM rollouts").get() as { next: number }
        ).next;
        const rollout: Rollout = { ...r, id: `r-${seq}` };
        const at = iso(r.createdAt);
        this.db
          .prepare("INSERT INTO rollout_locks (scope, rollout_id, acquired_at) VALUES (?, ?, ?)")
          .run(scope, rollout.id, at);
        this.db
          .prepare(
            `INSERT INTO revisions (id, service, environment, version, spec, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at`,
          )
          .run(...revisionParams(input, at));
        this.setRoutes(r.service, r.environment, input.routes, at);
        this.db
          .prepare(
            `INSERT INTO rollouts (seq, id, service, environment, kind, candidate_version, stable_version, phase,
               outcome, reason, actor, created_at, updated_at, finished_at, doc)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, NULL, ?)`,
          )
          .run(...rolloutParams(seq, rollout, at));
        this.insertEvent(createdEvent(rollout, at));
        return rollout;
      })
      .immediate();
  }

  commitTransition(rolloutId: string, transition: Transition, actor: string): Promise<Rollout> {
    return settle(() =>
      this.db.transaction(() => this.applyTransition(rolloutId, transition, actor)).immediate(),
    );
  }

  private applyTransition(rolloutId: string, transition: Transition, actor: string): Rollout {
    const current = this.rolloutDoc(rolloutId);
    if (!current) throw new SlipwayError("SLIPWAY_NOT_FOUND", `rollout ${rolloutId} does not exist`);
    const next: Rollout = { ...current, ...transition.patch };
    const at = iso(transition.patch.phaseSince);
    this.db
      .prepare(
        `UPDATE rollouts SET phase = ?, outcome = ?, reason = ?, updated_at = ?, finished_at = ?, doc = ? WHERE id = ?`,
      )
      .run(...transitionParams(rolloutId, next, at));
    if (transition.traffic) {
      const env = this.trafficOf(next.service, next.environment);
      const traffic = applyTrafficChange(env?.traffic ?? [], transition.traffic);
      this.db
        .prepare(
          `UPDATE environment_traffic SET traffic = ?, updated_at = ? WHERE service = ? AND environment = ?`,
        )
        .run(JSON.stringify(traffic), at, next.service, next.environment);
    }
    if (!isDeciding(next.phase)) {
      this.db
        .prepare("DELETE FROM rollout_locks WHERE scope = ? AND rollout_id = ?")
        .run(scopeOf(next.service, next.environment), rolloutId);
    }
    this.insertEvent(transitionEvent(rolloutId, next, transition, actor, at));
    return next;
  }

  getRollout(id: string): Promise<Rollout | undefined> {
    return settle(() => this.rolloutDoc(id));
  }

  private rolloutDoc(id: string): Rollout | undefined {
    const row = this.db.prepare("SELECT doc FROM rollouts WHERE id = ?").get(id) as RolloutRow | undefined;
    return row && rolloutFromRow(row);
  }

  updateAnalysis(
    rolloutId: string,
    update: (current: Rollout) => AnalysisRecord[] | undefined,
  ): Promise<Rollout | undefined> {
    return settle(() =>
      this.db
        .transaction(() => {
          const current = this.rolloutDoc(rolloutId);
          if (!current) return undefined;
          const analysis = update(current);
          if (!analysis) return undefined;
          const next: Rollout = { ...current, analysis };
          this.db.prepare("UPDATE rollouts SET doc = ? WHERE id = ?").run(JSON.stringify(next), rolloutId);
          return next;
        })
        .immediate(),
    );
  }

  lockHolder(service: string, environment: string): Promise<Rollout | undefined> {
    return settle(() => this.holderOf(service, environment));
  }

  private holderOf(service: string, environment: string): Rollout | undefined {
    const row = this.db
      .prepare("SELECT rollout_id FROM rollout_locks WHERE scope = ?")
      .get(scopeOf(service, environment)) as { rollout_id: string } | undefined;
    return row ? this.rolloutDoc(row.rollout_id) : undefined;
  }

  unfinished(): Promise<Rollout[]> {
    return settle(() => this.docs("SELECT doc FROM rollouts WHERE finished_at IS NULL ORDER BY seq"));
  }

  list(filter: { service?: string; environment?: string; limit?: number } = {}): Promise<Rollout[]> {
    const where = whereOf({ service: filter.service, environment: filter.environment });
    return settle(() =>
      this.docs(`SELECT doc FROM rollouts ${where.sql} ORDER BY seq DESC LIMIT @limit`, {
        ...where.params,
        limit: filter.limit ?? 50,
      }),
    );
  }

  promoted(service: string, environment: string, limit: number): Promise<Rollout[]> {
    return settle(() =>
      this.docs(
        `SELECT doc FROM rollouts WHERE service = ? AND environment = ? AND outcome = 'promoted'
       ORDER BY seq DESC LIMIT ?`,
        service,
        environment,
        limit,
      ),
    );
  }

  revisionSpec(revisionId: string): Promise<RevisionSpec | undefined> {
    return settle(() => {
      const row = this.db.prepare("SELECT spec FROM revisions WHERE id = ?").get(revisionId) as
        { spec: string } | undefined;
      return row ? upgradeRevisionSpec(JSON.parse(row.spec)) : undefined;
    });
  }

  allTraffic(): Promise<EnvironmentTraffic[]> {
    return settle(() =>
      (
        this.db
          .prepare("SELECT * FROM environment_traffic ORDER BY service, environment")
          .all() as TrafficRow[]
      ).map(toTraffic),
    );
  }

  traffic(service: string, environment: string): Promise<EnvironmentTraffic | undefined> {
    return settle(() => this.trafficOf(service, environment));
  }

  statusInputs(): Promise<EnvironmentStatusInputs[]> {
    return settle(() => {
      const rows = this.db
        .prepare(
          `SELECT t.service, t.environment, t.route, t.traffic, h.doc AS holder,
             (SELECT r.doc FROM rollouts r WHERE r.service = t.service AND r.environment = t.environment
              ORDER BY r.seq DESC LIMIT 1) AS last
           FROM environment_traffic t
           LEFT JOIN rollout_locks l ON l.scope = t.service || '/' || t.environment
           LEFT JOIN rollouts h ON h.id = l.rollout_id
           ORDER BY t.service, t.environment`,
        )
        .all() as StatusRow[];
      const { inputs, specIds } = statusFromRows(rows);
      const specs = this.db
        .prepare("SELECT id, spec FROM revisions WHERE id IN (SELECT value FROM json_each(?))")
        .all(JSON.stringify(specIds)) as { id: string; spec: string }[];
      return withSpecs(inputs, specs);
    });
  }

  private trafficOf(service: string, environment: string): EnvironmentTraffic | undefined {
    const row = this.db
      .prepare("SELECT * FROM environment_traffic WHERE service = ? AND environment = ?")
      .get(service, environment) as TrafficRow | undefined;
    return row ? toTraffic(row) : undefined;
  }

  events(
    filter: { service?: string; environment?: string; rolloutId?: string; limit?: number } = {},
  ): Promise<StoredEvent[]> {
    const where = whereOf({
      service: filter.service,
      environment: filter.environment,
      rollout_id: filter.rolloutId,
    });
    return settle(() => {
      const rows = this.db
        .prepare(`SELECT * FROM audit_events ${where.sql} ORDER BY seq DESC LIMIT @limit`)
        .all({ ...where.params, limit: filter.limit ?? 100 }) as EventRow[];
      return rows.reverse().map(toEvent);
    });
  }

  eventsSince(seq: number, limit = 1000): Promise<StoredEvent[]> {
    return settle(() =>
      (
        this.db
          .prepare("SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?")
          .all(seq, limit) as EventRow[]
      ).map(toEvent),
    );
  }

  recordEvent(event: Omit<StoredEvent, "seq" | "at">): Promise<void> {
    return settle(() => this.insertEvent({ ...event, at: new Date().toISOString() }));
  }

  nextGeneration(atLeast: number): Promise<number> {
    return settle(() =>
      this.db
        .transaction(() => {
          const row = this.db
            .prepare("SELECT value FROM control_counters WHERE name = 'route_generation'")
            .get() as { value: number } | undefined;
          const next = Math.max((row?.value ?? 0) + 1, atLeast);
          this.db
            .prepare(
              `INSERT INTO control_counters (name, value) VALUES ('route_generation', ?)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
            )
            .run(next);
          return next;
        })
        .immediate(),
    );
  }

  private setRoutes(service: string, environment: string, routes: RouteSpec[], at: string): void {
    this.db
      .prepare(
        `INSERT INTO environment_traffic (service, environment, route, traffic, updated_at) VALUES (?, ?, ?, '[]', ?)
         ON CONFLICT (service, environment) DO UPDATE SET route = excluded.route, updated_at = excluded.updated_at`,
      )
      .run(service, environment, JSON.stringify(routes), at);
  }

  private insertEvent(e: Omit<StoredEvent, "seq">): void {
    this.db
      .prepare(
        `INSERT INTO audit_events (at, actor, type, service, environment, rollout_id, message, reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(...eventParams(e));
  }

  private docs(sql: string, ...params: unknown[]): Rollout[] {
    return (this.db.prepare(sql).all(...params) as RolloutRow[]).map(rolloutFromRow);
  }
}

/**
 * A WHERE clause naming only the filters that are set. `(@x IS NULL OR x = @x)` would read the
 * same, but SQLite cannot use the (service, environment, seq) index through it and walks the table.
 */
function whereOf(filters: Record<string, string | undefined>): {
  sql: string;
  params: Record<string, string>;
} {
  const set = Object.entries(filters).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return {
    sql: set.length === 0 ? "" : `WHERE ${set.map(([column]) => `${column} = @${column}`).join(" AND ")}`,
    params: Object.fromEntries(set),
  };
}
