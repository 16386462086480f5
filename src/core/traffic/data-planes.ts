import type { Route, RouteTable } from "./route-table.js";

/**
 * Data planes on several hosts (src/traffic/data-plane-set.ts applies this): which routes each host
 * gets, and whether an environment's hosts acknowledged enough of the current table for a rollout
 * step to count as applied. Pure.
 */

/** One environment's data-plane hosts and how many of them must hold its routes. */
export interface EnvironmentPlanes {
  environment: string;
  hosts: readonly string[];
  quorum: number;
}

/** What each host last acknowledged: the table as the control plane built it (before rewriting). */
export type Acknowledged = ReadonlyMap<string, RouteTable | undefined>;

/** An environment whose hosts hold its current routes fewer times than its quorum asks. */
export interface Shortfall {
  environment: string;
  /** Hosts holding the environment's current routes. */
  holding: string[];
  /** Hosts that do not (unreachable, or not yet sent). */
  behind: string[];
  quorum: number;
}

/** Route ids are `<service>/<environment>` (router.ts): the environment is the last part. */
export function environmentOfRoute(routeId: string): string {
  return routeId.slice(routeId.lastIndexOf("/") + 1);
}

/**
 * The table a host is sent: the routes of the environments that list it, with the same generation
 * as everyone's, and each loopback upstream replaced by `upstreamHost` (the address at which that
 * host reaches the instances) when one is given.
 *
 * @example
 * tableForHost({ generation: 7, routes }, new Set(["production"]), "10.0.0.1")
 */
export function tableForHost(
  table: RouteTable,
  environments: ReadonlySet<string>,
  upstreamHost?: string,
): RouteTable {
  const routes = table.routes.filter((r) => environments.has(environmentOfRoute(r.id)));
  if (upstreamHost === undefined) return { generation: table.generation, routes };
  return {
    generation: table.generation,
    routes: routes.map((r) => ({
      ...r,
      revisions: r.revisions.map((rev) => ({
        ...rev,
        instances: rev.instances.map((u) => (isLoopbackHost(u.host) ? { ...u, host: upstreamHost } : u)),
      })),
    })),
  };
}

/**
 * The environments whose current routes (in `desired`) fewer than `quorum` of their hosts hold.
 * A host holds them when the table it last acknowledged has the same routes for the environment,
 * whatever its generation: a change to another environment does not hold this one's rollout up.
 */
export function shortfalls(
  planes: readonly EnvironmentPlanes[],
  desired: RouteTable,
  acknowledged: Acknowledged,
): Shortfall[] {
  const out: Shortfall[] = [];
  for (const env of planes) {
    const want = routesOf(desired.routes, env.environment);
    const holding: string[] = [];
    const behind: string[] = [];
    for (const host of env.hosts) {
      const held = acknowledged.get(host);
      if (held && routesOf(held.routes, env.environment) === want) holding.push(host);
      else behind.push(host);
    }
    if (holding.length < env.quorum)
      out.push({ environment: env.environment, holding, behind, quorum: env.quorum });
  }
  return out;
}

/** One line for logs and the rollout's wait reason. */
export function describeShortfall(s: Shortfall, generation: number): string {
  return (
    `${s.holding.length} of ${s.holding.length + s.behind.length} data planes of ${s.environment} ` +
    `hold generation ${generation} (quorum ${s.quorum}; behind: ${s.behind.join(", ")})`
  );
}

function routesOf(routes: readonly Route[], environment: string): string {
  return JSON.stringify(routes.filter((r) => environmentOfRoute(r.id) === environment));
}

/** 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

/**
 * One data-plane host as `slipway status` shows it: "in-sync" holds the newest table, "behind" was
 * reachable but holds an older one (being sent), "unreachable" did not answer its last call (it keeps
 * serving the last table it acknowledged; the newest is resent in the background).
 */
export interface DataPlaneHostStatus {
  name: string;
  admin: string;
  health: "in-sync" | "behind" | "unreachable";
  /** Generation of the table it last acknowledged; null before its first. */
  generation: number | null;
  /** The generation the control plane wants everywhere; null before the first table. */
  desiredGeneration: number | null;
  /** Why it is unreachable or behind (the last error). */
  error?: string;
  /** When it last acknowledged a table (ms since epoch); null before its first. */
  acknowledgedAt: number | null;
}
