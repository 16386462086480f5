import { DATA_PLANE, type ServingHealth } from "../core/heal/reconcile.js";
import { rolloutProgress, type RolloutProgress } from "../core/rollout/progress.js";
import { liveRevision } from "../core/rollout/traffic.js";
import type { Rollout } from "../core/rollout/types.js";
import type { RevisionSpec } from "../core/revision/spec.js";
import type { DataPlaneHostStatus } from "../core/traffic/index.js";
import type { Instance, Runtime } from "../runtimes/port.js";
import type { RolloutStore } from "../store/ports/rollout-store.js";
import { refOf } from "./revision-ids.js";

/**
 * The status document (`slipway status`, `GET /api/status`): per environment, what serves now,
 * each revision's instances, and the rollout in progress. Reads only; `serving` is the last
 * reconcile pass's report.
 */
export async function statusView(
  store: RolloutStore,
  runtime: Pick<Runtime, "instances">,
  serving: Pick<ServingHealth, "problems">,
  now: number,
  /** Data planes on several hosts: each host of an environment, with its generation and health. */
  hostsOf: (environment: string) => DataPlaneHostStatus[] = () => [],
) {
  // One read for every environment: on PostgreSQL each query is a round trip, and this document
  // is polled by every open dashboard.
  const environments = await store.statusInputs();
  return environments.map((env) => {
    const { holder, last } = env;
    const liveId = liveRevision(env.traffic);
    const mine = new Set([DATA_PLANE, ...env.traffic.map((t) => t.revision)]);
    const problems = serving.problems.filter((p) => mine.has(p.subject));
    return {
      service: env.service,
      environment: env.environment,
      live: liveId ? refOf(liveId).version : null,
      /** As the last reconcile pass saw it: does this environment's traffic get served? */
      serving: {
        status: problems.some((p) => p.level === "down") ? "down" : problems.length ? "degraded" : "ok",
        problems: problems.map((p) => p.message),
      },
      routes: env.routes.map((r) => ({ id: r.id, hosts: r.hosts, pathPrefix: r.pathPrefix })),
      /** The environment's data planes on other hosts (`dataPlanes` in slipway.yaml); empty without. */
      dataPlanes: hostsOf(env.environment),
      revisions: env.traffic.map((t) => ({
        id: t.revision,
        version: refOf(t.revision).version,
        weight: t.weight,
        replicas: env.specs.get(t.revision)?.replicas ?? null,
        instances: runtime.instances(t.revision).map(instanceView),
      })),
      rollout: holder ?? null,
      lastRollout: last ?? null,
      /** The rollout in progress (else the last one): its step, what it waits for, time left. */
      progress: holder || last ? progressWith(runtime, (holder ?? last) as Rollout, env.specs, now) : null,
    };
  });
}

/** One instance as the status document shows it: where it listens, its state, its last probe. */
function instanceView(i: Instance) {
  return {
    id: i.id,
    state: i.state,
    port: i.port,
    pid: i.pid,
    restarts: i.restarts,
    ...(i.lastError ? { lastError: i.lastError } : {}),
    ...(i.lastProbe ? { lastProbe: i.lastProbe } : {}),
  };
}

/**
 * The instances serving a rollout's candidate and stable revisions now, as the runtime sees them
 * (none once a revision is stopped), for the rollout's page.
 */
export function rolloutInstances(runtime: Pick<Runtime, "instances">, rollout: Rollout) {
  const sides = [
    { role: "candidate" as const, ref: rollout.candidate },
    ...(rollout.stable ? [{ role: "stable" as const, ref: rollout.stable }] : []),
  ];
  return sides.map(({ role, ref }) => ({
    role,
    id: ref.id,
    version: ref.version,
    instances: runtime.instances(ref.id).map(instanceView),
  }));
}

/** A rollout's progress, with its candidate's ready instances as the runtime sees them now. */
export async function progressOf(
  store: Pick<RolloutStore, "revisionSpec">,
  runtime: Pick<Runtime, "instances">,
  rollout: Rollout,
  now: number,
): Promise<RolloutProgress> {
  if (rollout.phase !== "starting") return rolloutProgress(rollout, now);
  const spec = await store.revisionSpec(rollout.candidate.id);
  return progressWith(runtime, rollout, new Map(spec ? [[rollout.candidate.id, spec]] : []), now);
}

/** progressOf with the candidate's spec (if stored) among `specs`, read already. */
function progressWith(
  runtime: Pick<Runtime, "instances">,
  rollout: Rollout,
  specs: ReadonlyMap<string, RevisionSpec>,
  now: number,
): RolloutProgress {
  if (rollout.phase !== "starting") return rolloutProgress(rollout, now);
  const ready = runtime.instances(rollout.candidate.id).filter((i) => i.state === "ready").length;
  const desired = specs.get(rollout.candidate.id)?.replicas ?? 1;
  return rolloutProgress(rollout, now, { candidate: { ready, desired } });
}
