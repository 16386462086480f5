import type { IncomingHttpHeaders } from "node:http";
import type { Route, RouteRevision, RouteTable } from "./route-table.js";
import { SmoothWeightedSplit } from "./weighted-split.js";

/** The request header that pins a request to one revision, even one at weight 0 (preview). */
export const REVISION_HEADER = "x-slipway-revision";

/** What routing looks at; only plain data, so the decision can be tested without sockets. */
export interface RequestFacts {
  /** Host without port, lower case. */
  host: string;
  /** Path without the query string. */
  path: string;
  headers: IncomingHttpHeaders;
}

/** A route ready for lookups, with the running state of its weighted split. */
export interface CompiledRoute {
  route: Route;
  split: SmoothWeightedSplit;
  byId: ReadonlyMap<string, RouteRevision>;
}

export interface CompiledTable {
  /** Routes per explicit host, longest prefix first. */
  byHost: ReadonlyMap<string, CompiledRoute[]>;
  /** Routes with no host (any host), longest prefix first. */
  anyHost: CompiledRoute[];
}

export type RevisionPick =
  | { kind: "revision"; revision: RouteRevision; reason: "preview" | "weight" }
  | { kind: "unknown-revision"; requested: string }
  | { kind: "no-weight" };

export function compileTable(table: RouteTable): CompiledTable {
  const byHost = new Map<string, CompiledRoute[]>();
  const anyHost: CompiledRoute[] = [];
  for (const route of table.routes) {
    const compiled: CompiledRoute = {
      route,
      split: new SmoothWeightedSplit(route.revisions.map((revision) => revision.weight)),
      byId: new Map(route.revisions.map((revision) => [revision.id, revision])),
    };
    if (route.hosts.length === 0) anyHost.push(compiled);
    for (const host of route.hosts) {
      const key = host.toLowerCase();
      byHost.set(key, [...(byHost.get(key) ?? []), compiled]);
    }
  }
  const longestFirst = (a: CompiledRoute, b: CompiledRoute) =>
    b.route.pathPrefix.length - a.route.pathPrefix.length;
  for (const list of byHost.values()) list.sort(longestFirst);
  anyHost.sort(longestFirst);
  return { byHost, anyHost };
}

/**
 * The route for a request: among routes naming its host, the longest matching path prefix; if
 * none matches, the same among routes for any host. Prefixes match whole segments: "/api" takes
 * "/api" and "/api/users" but not "/apiary".
 */
export function matchRoute(table: CompiledTable, host: string, path: string): CompiledRoute | undefined {
  const forHost = table.byHost.get(host);
  if (forHost) {
    for (const candidate of forHost) if (prefixMatches(candidate.route.pathPrefix, path)) return candidate;
  }
  for (const candidate of table.anyHost)
    if (prefixMatches(candidate.route.pathPrefix, path)) return candidate;
  return undefined;
}

export function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === "/" || path === prefix) return true;
  if (!path.startsWith(prefix)) return false;
  return prefix.endsWith("/") || path.charCodeAt(prefix.length) === 47; /* "/" */
}

/**
 * Which revision serves a request. Explicit choices come first (today the preview header; issue 6
 * adds header/cookie canary matches here), then the route's weighted split.
 */
export function pickRevision(route: CompiledRoute, request: RequestFacts): RevisionPick {
  const pinned = request.headers[REVISION_HEADER];
  if (typeof pinned === "string" && pinned !== "") {
    const revision = route.byId.get(pinned);
    return revision
      ? { kind: "revision", revision, reason: "preview" }
      : { kind: "unknown-revision", requested: pinned };
  }
  const index = route.split.next();
  const revision = index >= 0 ? route.route.revisions[index] : undefined;
  return revision ? { kind: "revision", revision, reason: "weight" } : { kind: "no-weight" };
}

/** "Example.COM:8080" → "example.com"; "[::1]:80" → "[::1]". */
export function hostOf(header: string | undefined): string {
  if (!header) return "";
  const end = header.startsWith("[") ? header.indexOf("]") + 1 : header.indexOf(":");
  return (end > 0 ? header.slice(0, end) : header).toLowerCase();
}

export function pathOf(url: string | undefined): string {
  if (!url) return "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}
