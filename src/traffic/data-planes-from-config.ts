import { SlipwayError } from "../core/errors.js";
import type { EnvironmentConfig } from "../core/config/types.js";
import type { EnvironmentPlanes } from "../core/traffic/index.js";
import type { Logger } from "../log.js";
import { resolveEnvRefs } from "../notify/from-config.js";
import { ProxyAdminClient } from "./admin-client.js";
import { DataPlaneSet, type RemotePlane } from "./data-plane-set.js";
import type { DataPlaneAdmin } from "./port.js";

/** Admin calls to a remote host give up after this long (a cut-off host hangs, it does not refuse). */
export const REMOTE_ADMIN_TIMEOUT_MS = 2_000;

/**
 * The data planes of slipway.yaml's `environments.<env>.dataPlanes`, with the local proxy, as one
 * DataPlaneAdmin; undefined when no environment lists any (then the local proxy alone, as before).
 * A host listed by several environments (same name) is one host serving all their routes. Tokens
 * are `${ENV_VAR}` references resolved from `env`; a missing one fails here, at start.
 */
export function dataPlanesFromConfig(options: {
  environments: Record<string, EnvironmentConfig>;
  local: DataPlaneAdmin;
  env?: Readonly<Record<string, string | undefined>>;
  logger?: Logger;
  timeoutMs?: number;
}): DataPlaneSet | undefined {
  const env = options.env ?? process.env;
  const hosts = new Map<string, RemotePlane & { environments: Set<string> }>();
  const planes: EnvironmentPlanes[] = [];
  for (const environment of Object.values(options.environments)) {
    const config = environment.dataPlanes;
    if (!config) continue;
    planes.push({
      environment: environment.name,
      hosts: config.hosts.map((h) => h.name),
      quorum: config.quorum,
    });
    config.hosts.forEach((h, index) => {
      const seen = hosts.get(h.name);
      if (seen) {
        if (seen.admin !== h.admin || seen.upstreamHost !== h.upstreamHost) {
          throw new SlipwayError(
            "SLIPWAY_INVALID_CONFIG",
            `slipway.yaml environments.${environment.name}.dataPlanes.hosts[${index}]: host '${h.name}' is listed with another admin URL or upstreamHost elsewhere`,
          );
        }
        seen.environments.add(environment.name);
        return;
      }
      const where = `environments.${environment.name}.dataPlanes.hosts[${index}].token`;
      hosts.set(h.name, {
        name: h.name,
        admin: h.admin,
        client: new ProxyAdminClient({
          url: h.admin,
          token: resolveEnvRefs(h.token, env, where),
          timeoutMs: options.timeoutMs ?? REMOTE_ADMIN_TIMEOUT_MS,
        }),
        environments: new Set([environment.name]),
        ...(h.upstreamHost !== undefined && { upstreamHost: h.upstreamHost }),
      });
    });
  }
  if (hosts.size === 0) return undefined;
  return new DataPlaneSet({
    local: options.local,
    hosts: [...hosts.values()],
    planes,
    ...(options.logger && { logger: options.logger }),
  });
}
