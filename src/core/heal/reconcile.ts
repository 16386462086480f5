/**
 * Desired serving state against observed serving state: what to repair, and how healthy production
 * is meanwhile. Pure (no I/O, no clock): the controller's healer (src/rollouts/healer.ts) gathers
 * the observation, calls `reconcile`, and performs the repairs through its ports.
 *
 * @example
 * const plan = reconcile(
 *   { revisions: [{ id: "web/production@v1", weight: 100, replicas: 2 }], acknowledgedGeneration: 7 },
 *   { dataPlane: { state: "down", reason: "connect ECONNREFUSED", processAlive: false }, tableInSync: false,
 *     instances: new Map([["web/production@v1", { total: 2, ready: 2, gaveUp: 0 }]]) },
 * );
 * // plan.repairs → [{ kind: "restart-data-plane", ... }]; plan.health.status → "down"
 */

/** A revision named in an environment's traffic table, and how many instances it should have. */
export interface DesiredRevision {
  id: string;
  weight: number;
  replicas: number;
}

export interface DesiredServing {
  /** Every revision of every environment's traffic table (weight 0 included: preview, warm). */
  revisions: readonly DesiredRevision[];
  /** Generation of the route table the data plane last acknowledged; undefined before the first. */
  acknowledgedGeneration: number | undefined;
}

/** The data plane (proxy) as seen through its admin API and its process. */
export type DataPlaneObservation =
  | { state: "up"; generation: number }
  /** `processAlive`: the process still exists (its admin API does not answer): never start a second one. */
  | { state: "down"; reason: string; processAlive: boolean };

/** A revision's instances as the runtime sees them. */
export interface InstanceCounts {
  /** Instances the runtime knows of, in any state (including those that gave up restarting). */
  total: number;
  ready: number;
  /** Crashed too often: the runtime's supervisor gave up on them ("crashed"). */
  gaveUp: number;
}

export interface ObservedServing {
  dataPlane: DataPlaneObservation;
  /** By revision id; a revision absent here has no instance at all. */
  instances: ReadonlyMap<string, InstanceCounts>;
  /** False when the latest desired route table could not be sent (the data plane did not acknowledge it). */
  tableInSync: boolean;
}

export type Repair =
  /** Start a new data plane (same listen address and state directory); then send it the desired table. */
  | { kind: "restart-data-plane"; reason: string }
  /** The data plane holds another table than the one last acknowledged (it restarted): send the desired one. */
  | { kind: "resend-table"; reason: string }
  /** Instances missing (died while nothing supervised them): start them (the runtime's `ensure`). */
  | { kind: "start-instances"; revision: string; missing: number; reason: string };

/**
 * "ok": everything serves as desired. "degraded": production serves, but not as desired (fewer
 * ready instances, an unacknowledged or outdated table). "down": some traffic cannot be served
 * (the data plane is down, or a revision taking traffic has no ready instance).
 */
export type ServingStatus = "ok" | "degraded" | "down";

export interface ServingProblem {
  level: Exclude<ServingStatus, "ok">;
  /** "data-plane" or a revision id. */
  subject: string;
  message: string;
}

export interface ServingHealth {
  status: ServingStatus;
  problems: ServingProblem[];
}

export interface ReconcilePlan {
  repairs: Repair[];
  health: ServingHealth;
}

export const DATA_PLANE = "data-plane";

export function reconcile(desired: DesiredServing, observed: ObservedServing): ReconcilePlan {
  const repairs: Repair[] = [];
  const problems: ServingProblem[] = [];
  const dataPlane = observed.dataPlane;
  switch (dataPlane.state) {
    case "down":
      problems.push({ level: "down", subject: DATA_PLANE, message: `proxy is down: ${dataPlane.reason}` });
      // A live process that does not answer still holds the traffic port: a second one could not
      // bind it, and killing a proxy that may still be routing is not a guess to take.
      if (!dataPlane.processAlive) repairs.push({ kind: "restart-data-plane", reason: dataPlane.reason });
      break;
    case "up":
      if (
        desired.acknowledgedGeneration !== undefined &&
        dataPlane.generation !== desired.acknowledgedGeneration
      ) {
        const reason = `proxy holds route table generation ${dataPlane.generation}, the desired one is ${desired.acknowledgedGeneration}`;
        problems.push({ level: "degraded", subject: DATA_PLANE, message: reason });
        repairs.push({ kind: "resend-table", reason });
      } else if (!observed.tableInSync) {
        problems.push({
          level: "degraded",
          subject: DATA_PLANE,
          message: "proxy has not acknowledged the desired route table yet",
        });
      }
      break;
    default: {
      const unreachable: never = dataPlane;
      return unreachable;
    }
  }

  for (const revision of desired.revisions) {
    const counts = observed.instances.get(revision.id) ?? { total: 0, ready: 0, gaveUp: 0 };
    // Only instances that vanished are started again; a crash-looping one the runtime gave up on
    // stays as it is (restarting it would hide the failure the rollout watch acts on).
    const missing = revision.replicas - counts.total;
    if (revision.weight > 0 && missing > 0) {
      repairs.push({
        kind: "start-instances",
        revision: revision.id,
        missing,
        reason: `${missing} of ${revision.replicas} instances missing`,
      });
    }
    if (revision.weight === 0) continue;
    const gaveUp = counts.gaveUp > 0 ? `; ${counts.gaveUp} gave up restarting` : "";
    if (counts.ready === 0) {
      problems.push({
        level: "down",
        subject: revision.id,
        message: `no ready instance of ${revision.id} (weight ${revision.weight}; ${counts.total}/${revision.replicas} instances${gaveUp})`,
      });
    } else if (counts.ready < revision.replicas) {
      problems.push({
        level: "degraded",
        subject: revision.id,
        message: `${counts.ready}/${revision.replicas} instances of ${revision.id} ready${gaveUp}`,
      });
    }
  }
  return { repairs, health: { status: worst(problems), problems } };
}

function worst(problems: readonly ServingProblem[]): ServingStatus {
  if (problems.some((p) => p.level === "down")) return "down";
  return problems.length > 0 ? "degraded" : "ok";
}
