import { isFinal, type Rollout, type Transition } from "../../core/rollout/types.js";
import { upgradeRevisionSpec } from "../../core/revision/upgrade.js";
import type {
  EnvironmentStatusInputs,
  EnvironmentTraffic,
  NewRollout,
  RouteSpec,
  StoredEvent,
} from "../ports/rollout-store.js";

// Rows of the rollout tables (migration 002) as both adapters read them, and the values they write.

/** Timestamps are stored as ISO text. */
export const iso = (ms: number) => new Date(ms).toISOString();

/** The key of `rollout_locks`: one deciding rollout per service and environment. */
export const scopeOf = (service: string, environment: string) => `${service}/${environment}`;

export interface RolloutRow {
  doc: string;
}

export const rolloutFromRow = (row: RolloutRow): Rollout => JSON.parse(row.doc) as Rollout;

export interface TrafficRow {
  service: string;
  environment: string;
  route: string;
  traffic: string;
}

export function toTraffic(row: TrafficRow): EnvironmentTraffic {
  return {
    service: row.service,
    environment: row.environment,
    routes: JSON.parse(row.route) as RouteSpec[],
    traffic: JSON.parse(row.traffic) as EnvironmentTraffic["traffic"],
  };
}

/** An `environment_traffic` row with the docs of its lock holder and newest rollout (statusInputs). */
export interface StatusRow extends TrafficRow {
  holder: string | null;
  last: string | null;
}

/** The status inputs of `rows` (specs still empty) and the revision ids whose specs they need. */
export function statusFromRows(rows: StatusRow[]): { inputs: EnvironmentStatusInputs[]; specIds: string[] } {
  const specIds = new Set<string>();
  const inputs = rows.map((row): EnvironmentStatusInputs => {
    const holder = row.holder === null ? undefined : rolloutFromRow({ doc: row.holder });
    const last = row.last === null ? undefined : rolloutFromRow({ doc: row.last });
    const env = toTraffic(row);
    for (const t of env.traffic) specIds.add(t.revision);
    const shown = holder ?? last;
    if (shown) specIds.add(shown.candidate.id);
    return { ...env, ...(holder && { holder }), ...(last && { last }), specs: new Map() };
  });
  return { inputs, specIds: [...specIds] };
}

/** Fills each environment's `specs` with those of its revisions among `specs` rows. */
export function withSpecs(
  inputs: EnvironmentStatusInputs[],
  rows: { id: string; spec: string }[],
): EnvironmentStatusInputs[] {
  const all = new Map(rows.map((r) => [r.id, upgradeRevisionSpec(JSON.parse(r.spec))]));
  for (const env of inputs) {
    const shown = env.holder ?? env.last;
    for (const id of [...env.traffic.map((t) => t.revision), ...(shown ? [shown.candidate.id] : [])]) {
      const spec = all.get(id);
      if (spec) env.specs.set(id, spec);
    }
  }
  return inputs;
}

/**
 * The values of a `revisions` upsert for a new rollout's candidate: id, service, environment,
 * version, spec, created_at, updated_at.
 */
export const revisionParams = (input: NewRollout, at: string): unknown[] => [
  input.rollout.candidate.id,
  input.rollout.service,
  input.rollout.environment,
  input.rollout.candidate.version,
  JSON.stringify(input.spec),
  at,
  at,
];

/**
 * The values of a `rollouts` insert, in this column order: seq, id, service, environment, kind,
 * candidate_version, stable_version, phase, reason, actor, created_at, updated_at, doc (outcome
 * and finished_at start NULL).
 */
export const rolloutParams = (seq: number, rollout: Rollout, at: string): unknown[] => [
  seq,
  rollout.id,
  rollout.service,
  rollout.environment,
  rollout.kind,
  rollout.candidate.version,
  rollout.stable?.version ?? null,
  rollout.phase,
  rollout.reason ?? null,
  rollout.actor,
  at,
  at,
  JSON.stringify(rollout),
];

/** The audit event of a rollout created at `at`. */
export function createdEvent(rollout: Rollout, at: string): Omit<StoredEvent, "seq"> {
  const what = rollout.kind === "rollback" ? "rollback" : "deploy";
  return {
    at,
    actor: rollout.actor,
    type: "rollout.created",
    service: rollout.service,
    environment: rollout.environment,
    rolloutId: rollout.id,
    message: `${what} ${rollout.candidate.version}${rollout.stable ? ` (replacing ${rollout.stable.version})` : ""}`,
    ...(rollout.reason ? { reason: rollout.reason } : {}),
  };
}

/**
 * The values of the `rollouts` update of a transition to `next` at `at`: phase, outcome, reason,
 * updated_at, finished_at, doc, then the id of the WHERE clause.
 */
export const transitionParams = (rolloutId: string, next: Rollout, at: string): unknown[] => [
  next.phase,
  next.outcome ?? null,
  next.reason ?? null,
  at,
  isFinal(next.phase) ? at : null,
  JSON.stringify(next),
  rolloutId,
];

/** The audit event of `transition`, which made rollout `rolloutId` `next` at `at`. */
export const transitionEvent = (
  rolloutId: string,
  next: Rollout,
  transition: Transition,
  actor: string,
  at: string,
): Omit<StoredEvent, "seq"> => ({
  at,
  actor,
  type: transition.event.type,
  service: next.service,
  environment: next.environment,
  rolloutId,
  message: transition.event.message,
  ...(transition.patch.reason ? { reason: transition.patch.reason } : {}),
});
