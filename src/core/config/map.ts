import type { TrafficPolicy } from "../traffic/index.js";
import type { RevisionSpec } from "../revision/spec.js";
import { SlipwayError } from "../errors.js";
import { own } from "../own.js";
import { CONFIG_DEFAULTS as D } from "./defaults.js";
import { durationMs } from "../duration.js";
import type { EnvironmentConfig, ProjectConfig, RouteConfig, ServiceConfig } from "./types.js";

/** What revisionSpecFor needs of a release: its version and the directory it was exported to. */
export interface ReleaseRef {
  version: string;
  /** Absolute directory holding the built release (the revision's artifact). */
  dir: string;
}

/** "web/production@v3": names a revision in the runtime, the proxy and the Store. */
export function revisionIdFor(service: string, environment: string, version: string): string {
  return `${service}/${environment}@${version}`;
}

/** "web/production" (first route) or "web/production#2" (further routes of the same service). */
export function routeIdFor(service: string, environment: string, index = 0): string {
  return index === 0 ? `${service}/${environment}` : `${service}/${environment}#${index + 1}`;
}

export function getService(config: ProjectConfig, service: string): ServiceConfig {
  const found = own(config.services, service);
  if (!found) {
    throw new SlipwayError(
      "SLIPWAY_NOT_FOUND",
      `no service '${service}' in slipway.yaml (services: ${Object.keys(config.services).join(", ")})`,
    );
  }
  return found;
}

export function getEnvironment(config: ProjectConfig, environment: string): EnvironmentConfig {
  const found = own(config.environments, environment);
  if (!found) {
    throw new SlipwayError(
      "SLIPWAY_NOT_FOUND",
      `no environment '${environment}' in slipway.yaml (environments: ${Object.keys(config.environments).join(", ")})`,
    );
  }
  return found;
}

/** The service as it runs in `environment`: that environment's overrides merged in. */
export function serviceIn(config: ProjectConfig, service: string, environment: string): ServiceConfig {
  const base = getService(config, service);
  const override = own(getEnvironment(config, environment).services, service);
  if (!override) return base;
  return {
    ...base,
    replicas: override.replicas ?? base.replicas,
    env: { ...base.env, ...override.env },
    routes: override.routes ?? base.routes,
  };
}

/**
 * The Runtime's RevisionSpec for a release of `service` in `environment`.
 * @example revisionSpecFor(config, "web", "production", { version: "v3", dir: "/srv/.slipway/releases/web/v3" })
 *   // → { revisionId: "web/production@v3", command: "node server.js", replicas: 2, ... }
 */
export function revisionSpecFor(
  config: ProjectConfig,
  service: string,
  environment: string,
  release: ReleaseRef,
): RevisionSpec {
  const svc = serviceIn(config, service, environment);
  const revisionId = revisionIdFor(service, environment, release.version);
  return {
    revisionId,
    service,
    environment,
    version: release.version,
    artifact: { kind: "directory", path: release.dir },
    command: svc.start,
    env: {
      ...svc.env,
      SLIPWAY_PROJECT: config.project.name,
      SLIPWAY_SERVICE: service,
      SLIPWAY_ENVIRONMENT: environment,
      SLIPWAY_VERSION: release.version,
      SLIPWAY_REVISION: revisionId,
    },
    replicas: svc.replicas,
    readiness: svc.readiness,
    ...(svc.liveness && { liveness: svc.liveness }),
    stopGraceMs: svc.stopGraceMs,
  };
}

/**
 * The proxy's TrafficPolicy for a service. The drain timeout is an environment setting; without
 * `environment` the default applies.
 */
export function trafficPolicyFor(
  config: ProjectConfig,
  service: string,
  environment?: string,
): TrafficPolicy {
  const t = getService(config, service).traffic;
  const drainTimeoutMs =
    environment === undefined
      ? durationMs(D.traffic.drainTimeout)
      : getEnvironment(config, environment).drainTimeoutMs;
  return {
    tryTimeoutMs: t.tryTimeoutMs,
    retries: t.retries,
    maxConnections: t.maxConnections,
    maxPending: t.maxPending,
    outlier: { ...t.outlier },
    drainTimeoutMs,
  };
}

/** The proxy routes of a service in an environment, without revisions (the controller adds them). */
export function routesFor(
  config: ProjectConfig,
  service: string,
  environment: string,
): Array<RouteConfig & { id: string; policy: TrafficPolicy }> {
  const policy = trafficPolicyFor(config, service, environment);
  return serviceIn(config, service, environment).routes.map((r, index) => ({
    id: routeIdFor(service, environment, index),
    hosts: [...r.hosts],
    pathPrefix: r.pathPrefix,
    policy,
  }));
}
