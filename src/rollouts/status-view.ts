import { DATA_PLANE, type ServingHealth } from "../core/heal/reconcile.js";
import { liveRevision } from "../core/rollout/traffic.js";
import type { Runtime } from "../runtimes/port.js";
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
) {
  const environments = await store.allTraffic();
  const statuses = environments.map(async (env) => {
    const holder = await store.lockHolder(env.service, env.environment);
    const last = (await store.list({ service: env.service, environment: env.environment, limit: 1 }))[0];
    const liveId = liveRevision(env.traffic);
    const replicas = new Map<string, number>();
    for (const t of env.traffic) {
      const spec = await store.revisionSpec(t.revision);
      if (spec) replicas.set(t.revision, spec.replicas);
    }
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
      revisions: env.traffic.map((t) => ({
        id: t.revision,
        version: refOf(t.revision).version,
        weight: t.weight,
        replicas: replicas.get(t.revision) ?? null,
        instances: runtime.instances(t.revision).map((i) => ({
          id: i.id,
          state: i.state,
          port: i.port,
          pid: i.pid,
          restarts: i.restarts,
          ...(i.lastError ? { lastError: i.lastError } : {}),
        })),
      })),
      rollout: holder ?? null,
      lastRollout: last ?? null,
    };
  });
  return Promise.all(statuses);
}
