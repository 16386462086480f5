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
import { lock, LOCKS, type PostgresDatabase, type Queryable } from "./database.js";

/**
 * PostgreSQL adapter of the rollout Store port (tables from migration 2). SQLite's one writer
 * made every read-decide-write atomic; here each is one transaction that locks what it read:
 * creating a rollout takes an advisory lock (one create at a time, as the ids are `r-<seq>`), a
 * transition locks its rollout's row and its environment's traffic row (FOR UPDATE).
 */
export class PostgresRolloutStore implements RolloutStore {
  constructor(private readonly db: PostgresDatabase) {}

  createRollout(
    input: NewRollout,
    supersede?: { rolloutId: string; transition: Transition },
  ): Promise<Rollout> {
    const r = input.rollout;
    return this.db.transaction(async (tx) => {
      await lock(tx, LOCKS.createRollout);
      const scope = scopeOf(r.service, r.environment);
      if (supersede) {
        // The caller decided to supersede from an earlier read: if that rollout let go of the lock
        // since (decided meanwhile), its transition no longer applies.
        if ((await holderOf(tx, r.service, r.environment))?.id !== supersede.rolloutId) {
          throw new SlipwayError(
            "SLIPWAY_CONFLICT",
            `rollout ${supersede.rolloutId} no longer holds ${scope}; deploy again`,
          );
        }
        await applyTransition(tx, supersede.rolloutId, supersede.transition, r.actor);
      }
      const holder = await holderOf(tx, r.service, r.environment);
      if (holder) {
        throw new SlipwayError(
          "SLIPWAY_CONFLICT",
          `rollout ${holder.id} (${scope} ${holder.candidate.version}, ${holder.phase}) is already running`,
        );
      }
      const [{ next }] = (await tx.rows<{ next: number }>(
        "SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM rollouts",
      )) as [{ next: number }];
      const rollout: Rollout = { ...r, id: `r-${next}` };
      const at = iso(r.createdAt);
      await tx.run("INSERT INTO rollout_locks (scope, rollout_id, acquired_at) VALUES ($1, $2, $3)", [
        scope,
        rollout.id,
        at,
      ]);
      await tx.run(
        `INSERT INTO revisions (id, service, environment, version, spec, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at`,
        revisionParams(input, at),
      );
      await setRoutes(tx, r.service, r.environment, input.routes, at);
      await tx.run(
        `INSERT INTO rollouts (seq, id, service, environment, kind, candidate_version, stable_version, phase,
           outcome, reason, actor, created_at, updated_at, finished_at, doc)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10, $11, $12, NULL, $13)`,
        rolloutParams(next, rollout, at),
      );
      await insertEvent(tx, createdEvent(rollout, at));
      return rollout;
    });
  }

  commitTransition(rolloutId: string, transition: Transition, actor: string): Promise<Rollout> {
    return this.db.transaction((tx) => applyTransition(tx, rolloutId, transition, actor));
  }

  getRollout(id: string): Promise<Rollout | undefined> {
    return rolloutDoc(this.db, id);
  }

  updateAnalysis(
    rolloutId: string,
    update: (current: Rollout) => AnalysisRecord[] | undefined,
  ): Promise<Rollout | undefined> {
    return this.db.transaction(async (tx) => {
      const current = await rolloutDoc(tx, rolloutId, true);
      if (!current) return undefined;
      const analysis = update(current);
      if (!analysis) return undefined;
      const next: Rollout = { ...current, analysis };
      await tx.run("UPDATE rollouts SET doc = $1 WHERE id = $2", [JSON.stringify(next), rolloutId]);
      return next;
    });
  }

  lockHolder(service: string, environment: string): Promise<Rollout | undefined> {
    return holderOf(this.db, service, environment);
  }

  unfinished(): Promise<Rollout[]> {
    return this.docs("SELECT doc FROM rollouts WHERE finished_at IS NULL ORDER BY seq");
  }

  list(filter: { service?: string; environment?: string; limit?: number } = {}): Promise<Rollout[]> {
    const where = whereOf({ service: filter.service, environment: filter.environment });
    return this.docs(
      `SELECT doc FROM rollouts ${where.sql} ORDER BY seq DESC LIMIT $${where.params.length + 1}`,
      [...where.params, filter.limit ?? 50],
    );
  }

  promoted(service: string, environment: string, limit: number): Promise<Rollout[]> {
    return this.docs(
      `SELECT doc FROM rollouts WHERE service = $1 AND environment = $2 AND outcome = 'promoted'
       ORDER BY seq DESC LIMIT $3`,
      [service, environment, limit],
    );
  }

  async revisionSpec(revisionId: string): Promise<RevisionSpec | undefined> {
    const [row] = await this.db.rows<{ spec: string }>("SELECT spec FROM revisions WHERE id = $1", [
      revisionId,
    ]);
    return row ? upgradeRevisionSpec(JSON.parse(row.spec)) : undefined;
  }

  async allTraffic(): Promise<EnvironmentTraffic[]> {
    const rows = await this.db.rows<TrafficRow>(
      'SELECT * FROM environment_traffic ORDER BY service COLLATE "C", environment COLLATE "C"',
    );
    return rows.map(toTraffic);
  }

  traffic(service: string, environment: string): Promise<EnvironmentTraffic | undefined> {
    return trafficOf(this.db, service, environment);
  }

  async statusInputs(): Promise<EnvironmentStatusInputs[]> {
    // Two statements for all environments: the holder by the lock's key, the newest rollout by
    // the (service, environment, seq) index backwards; then the specs those name.
    const rows = await this.db.rows<StatusRow>(
      `SELECT t.service, t.environment, t.route, t.traffic, h.doc AS holder, n.doc AS last
       FROM environment_traffic t
       LEFT JOIN rollout_locks l ON l.scope = t.service || '/' || t.environment
       LEFT JOIN rollouts h ON h.id = l.rollout_id
       LEFT JOIN LATERAL (
         SELECT r.doc FROM rollouts r WHERE r.service = t.service AND r.environment = t.environment
         ORDER BY r.seq DESC LIMIT 1
       ) n ON TRUE
       ORDER BY t.service COLLATE "C", t.environment COLLATE "C"`,
    );
    const { inputs, specIds } = statusFromRows(rows);
    const specs =
      specIds.length === 0
        ? []
        : await this.db.rows<{ id: string; spec: string }>(
            "SELECT id, spec FROM revisions WHERE id = ANY($1::text[])",
            [specIds],
          );
    return withSpecs(inputs, specs);
  }

  async events(
    filter: { service?: string; environment?: string; rolloutId?: string; limit?: number } = {},
  ): Promise<StoredEvent[]> {
    const where = whereOf({
      service: filter.service,
      environment: filter.environment,
      rollout_id: filter.rolloutId,
    });
    const rows = await this.db.rows<EventRow>(
      `SELECT * FROM audit_events ${where.sql} ORDER BY seq DESC LIMIT $${where.params.length + 1}`,
      [...where.params, filter.limit ?? 100],
    );
    return rows.reverse().map(toEvent);
  }

  async eventsSince(seq: number, limit = 1000): Promise<StoredEvent[]> {
    const rows = await this.db.rows<EventRow>(
      "SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2",
      [seq, limit],
    );
    return rows.map(toEvent);
  }

  recordEvent(event: Omit<StoredEvent, "seq" | "at">): Promise<void> {
    return this.db.transaction((tx) => insertEvent(tx, { ...event, at: new Date().toISOString() }));
  }

  async nextGeneration(atLeast: number): Promise<number> {
    // One statement: concurrent callers each get their own, larger number.
    const [row] = await this.db.rows<{ value: number }>(
      `INSERT INTO control_counters (name, value) VALUES ('route_generation', GREATEST(1, $1::bigint))
       ON CONFLICT (name) DO UPDATE SET value = GREATEST(control_counters.value + 1, $1::bigint)
       RETURNING value`,
      [atLeast],
    );
    return (row as { value: number }).value;
  }

  private async docs(sql: string, params: unknown[] = []): Promise<Rollout[]> {
    const rows = await this.db.rows<RolloutRow>(sql, params);
    return rows.map(rolloutFromRow);
  }
}

async function applyTransition(
  tx: Queryable,
  rolloutId: string,
  transition: Transition,
  actor: string,
): Promise<Rollout> {
  const current = await rolloutDoc(tx, rolloutId, true);
  if (!current) throw new SlipwayError("SLIPWAY_NOT_FOUND", `rollout ${rolloutId} does not exist`);
  const next: Rollout = { ...current, ...transition.patch };
  const at = iso(transition.patch.phaseSince);
  await tx.run(
    `UPDATE rollouts SET phase = $1, outcome = $2, reason = $3, updated_at = $4, finished_at = $5, doc = $6 WHERE id = $7`,
    transitionParams(rolloutId, next, at),
  );
  if (transition.traffic) {
    const env = await trafficOf(tx, next.service, next.environment, true);
    const traffic = applyTrafficChange(env?.traffic ?? [], transition.traffic);
    await tx.run(
      "UPDATE environment_traffic SET traffic = $1, updated_at = $2 WHERE service = $3 AND environment = $4",
      [JSON.stringify(traffic), at, next.service, next.environment],
    );
  }
  if (!isDeciding(next.phase)) {
    await tx.run("DELETE FROM rollout_locks WHERE scope = $1 AND rollout_id = $2", [
      scopeOf(next.service, next.environment),
      rolloutId,
    ]);
  }
  await insertEvent(tx, transitionEvent(rolloutId, next, transition, actor, at));
  return next;
}

/** The rollout's document; `forUpdate` locks its row until the transaction ends. */
async function rolloutDoc(q: Queryable, id: string, forUpdate = false): Promise<Rollout | undefined> {
  const [row] = await q.rows<RolloutRow>(
    `SELECT doc FROM rollouts WHERE id = $1${forUpdate ? " FOR UPDATE" : ""}`,
    [id],
  );
  return row && rolloutFromRow(row);
}

async function holderOf(q: Queryable, service: string, environment: string): Promise<Rollout | undefined> {
  const [row] = await q.rows<RolloutRow>(
    "SELECT r.doc FROM rollout_locks l JOIN rollouts r ON r.id = l.rollout_id WHERE l.scope = $1",
    [scopeOf(service, environment)],
  );
  return row && rolloutFromRow(row);
}

async function trafficOf(
  q: Queryable,
  service: string,
  environment: string,
  forUpdate = false,
): Promise<EnvironmentTraffic | undefined> {
  const [row] = await q.rows<TrafficRow>(
    `SELECT * FROM environment_traffic WHERE service = $1 AND environment = $2${forUpdate ? " FOR UPDATE" : ""}`,
    [service, environment],
  );
  return row ? toTraffic(row) : undefined;
}

async function setRoutes(
  tx: Queryable,
  service: string,
  environment: string,
  routes: RouteSpec[],
  at: string,
): Promise<void> {
  await tx.run(
    `INSERT INTO environment_traffic (service, environment, route, traffic, updated_at) VALUES ($1, $2, $3, '[]', $4)
     ON CONFLICT (service, environment) DO UPDATE SET route = excluded.route, updated_at = excluded.updated_at`,
    [service, environment, JSON.stringify(routes), at],
  );
}

/** Inserts an audit event; the caller's transaction holds the event lock until it commits. */
export async function insertEvent(tx: Queryable, e: Omit<StoredEvent, "seq">): Promise<void> {
  await lock(tx, LOCKS.auditEvents);
  await tx.run(
    `INSERT INTO audit_events (at, actor, type, service, environment, rollout_id, message, reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    eventParams(e),
  );
}

/** A WHERE clause naming only the filters that are set, so the (service, environment, seq) index serves it. */
function whereOf(filters: Record<string, string | undefined>): { sql: string; params: string[] } {
  const set = Object.entries(filters).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return {
    sql: set.length === 0 ? "" : `WHERE ${set.map(([column], i) => `${column} = $${i + 1}`).join(" AND ")}`,
    params: set.map(([, value]) => value),
  };
}
