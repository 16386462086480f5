import type { IncomingHttpHeaders } from "node:http";
import { readCookie, stickySetCookie } from "../cookies.js";
import { matchPreviewToken, previewToken, REVISION_HEADER } from "../preview-token.js";
import type { Route, RouteRevision, RouteTable } from "../../core/traffic/index.js";
import { SmoothWeightedSplit } from "./weighted-split.js";
import { own } from "../../core/own.js";

export { REVISION_HEADER };

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
  /** The route's canary routing, ready for matching; absent when the route has none. */
  canary?: CompiledCanary;
  /** Each revision's preview token, as bytes; absent when preview is off for the route. */
  preview?: ReadonlyArray<{ token: Buffer; target: RouteRevision }>;
}

export interface CompiledCanary {
  revision: RouteRevision;
  /** Header name in lower case, as Node gives request headers. */
  header?: { name: string; value?: string };
  cookie?: { name: string; value?: string };
  /** The Set-Cookie line for each revision, made once per table rather than per request. */
  sticky?: { cookie: string; setCookie: ReadonlyMap<string, string> };
}

export interface CompiledTable {
  /** Routes per explicit host, longest prefix first. */
  byHost: ReadonlyMap<string, CompiledRoute[]>;
  /** Routes with no host (any host), longest prefix first. */
  anyHost: CompiledRoute[];
}

export type PickReason = "preview" | "header" | "cookie" | "sticky" | "weight";

export type RevisionPick =
  | {
      kind: "revision";
      revision: RouteRevision;
      reason: PickReason;
      /** A sticky assignment to send with the response (appended to the upstream's Set-Cookie). */
      setCookie?: string;
    }
  | { kind: "no-weight" };

export function compileTable(table: RouteTable): CompiledTable {
  const byHost = new Map<string, CompiledRoute[]>();
  const anyHost: CompiledRoute[] = [];
  for (const route of table.routes) {
    const byId = new Map(route.revisions.map((revision) => [revision.id, revision]));
    const compiled: CompiledRoute = {
      route,
      split: new SmoothWeightedSplit(route.revisions.map((revision) => revision.weight)),
      byId,
    };
    const canary = compileCanary(route, byId);
    if (canary) compiled.canary = canary;
    const preview = route.preview;
    if (preview) {
      compiled.preview = route.revisions.map((revision) => ({
        token: Buffer.from(previewToken(preview.key, revision.id), "utf8"),
        target: revision,
      }));
    }
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

function compileCanary(route: Route, byId: ReadonlyMap<string, RouteRevision>): CompiledCanary | undefined {
  const spec = route.canary;
  const revision = spec ? byId.get(spec.revision) : undefined;
  // The schema refuses a canary naming an unlisted revision; without one there is nothing to route to.
  if (!spec || !revision) return undefined;
  const canary: CompiledCanary = { revision };
  if (spec.header) canary.header = { ...spec.header, name: spec.header.name.toLowerCase() };
  if (spec.cookie) canary.cookie = { ...spec.cookie };
  const sticky = spec.sticky;
  if (sticky) {
    canary.sticky = {
      cookie: sticky.cookie,
      setCookie: new Map(
        route.revisions.map((r) => [r.id, stickySetCookie(sticky.cookie, r.id, sticky.maxAgeS)]),
      ),
    };
  }
  return canary;
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
 * Which revision serves a request, in this order: a valid preview token in `x-slipway-revision`
 * (a wrong one, or any on a route without preview, is ignored: the request is routed as any other,
 * so probing learns nothing), then
 * while the route has a canary its header or cookie match, then a still valid sticky assignment,
 * then the route's weighted split. A weighted pick on a sticky route carries the Set-Cookie that
 * makes it sticky. No I/O; the only state touched is the split's running scores.
 */
export function pickRevision(route: CompiledRoute, request: RequestFacts): RevisionPick {
  const { preview, canary } = route;
  // The common case (neither preview nor canary) never looks at the headers.
  if (!preview && !canary) return pickByWeight(route);
  const headers = request.headers;
  const pinned = headers[REVISION_HEADER];
  if (preview && typeof pinned === "string" && pinned !== "") {
    const revision = matchPreviewToken(preview, pinned);
    if (revision) return { kind: "revision", revision, reason: "preview" };
  }
  return canary ? pickWithCanary(route, canary, headers) : pickByWeight(route);
}

function pickWithCanary(
  route: CompiledRoute,
  canary: CompiledCanary,
  headers: IncomingHttpHeaders,
): RevisionPick {
  const header = canary.header;
  // A header named "constructor" must not match Object.prototype's (every request to the canary).
  if (header && valueMatches(own(headers, header.name), header.value))
    return { kind: "revision", revision: canary.revision, reason: "header" };
  const cookies = headers.cookie;
  if (cookies === undefined && !canary.sticky) return pickByWeight(route);
  const cookie = canary.cookie;
  if (cookie && valueMatches(readCookie(cookies, cookie.name), cookie.value))
    return { kind: "revision", revision: canary.revision, reason: "cookie" };
  const sticky = canary.sticky;
  if (!sticky) return pickByWeight(route);
  const assigned = readCookie(cookies, sticky.cookie);
  if (assigned !== undefined) {
    const revision = route.byId.get(assigned);
    // A revision that left the route or lost its weight no longer holds its clients.
    if (revision && revision.weight > 0) return { kind: "revision", revision, reason: "sticky" };
  }
  const pick = pickByWeight(route);
  if (pick.kind === "revision") {
    const setCookie = sticky.setCookie.get(pick.revision.id);
    if (setCookie !== undefined) pick.setCookie = setCookie;
  }
  return pick;
}

/** Present, and equal to `expected` when one is given (any of a repeated header's values). */
function valueMatches(actual: string | string[] | undefined, expected: string | undefined): boolean {
  if (actual === undefined) return false;
  if (expected === undefined) return true;
  return typeof actual === "string" ? actual === expected : actual.includes(expected);
}

function pickByWeight(route: CompiledRoute): RevisionPick {
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
