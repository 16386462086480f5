import { createHash } from "node:crypto";
import type { Route, RouteRevision, RouteTable, TrafficPolicy } from "../../core/traffic/index.js";
import { previewToken, REVISION_HEADER } from "../preview-token.js";

/**
 * Translates Slipway's route table into haproxy.cfg (and the map files beside it). Pure apart from
 * hashing: the data plane (data-plane.ts) writes the result and reloads HAProxy when the structure
 * changed, or only sends `set server weight` / `set server state` over the Runtime API when the
 * weights alone did.
 *
 * Per route: backend `r_<route>` holds every instance of every revision, weighted so that the
 * smooth round-robin splits exactly by the table's weights (weight 0 = the server is in
 * maintenance, so a sticky cookie pointing at it is ignored and re-picked); `c_<route>` holds the
 * canary's instances (header/cookie overrides); `p_<route>_<slot>` a revision's instances for
 * signed previews, in a pool of slots that outlives revisions (a new revision takes a free slot over
 * the Runtime API, no reload). Names are hashes of ids, so they stay the same across reloads (the drain
 * deadline cuts requests of a left revision in the older worker by server name).
 */

export interface ConfigPaths {
  /** Directory of haproxy.cfg and its map files. */
  dir: string;
  /** Master CLI socket (also where the stats socket lives next to it). */
  statsSocket: string;
  /** Unix socket of the internal `sync` frontend (the log barrier of data-plane.ts). */
  syncSocket: string;
  /** Traffic listener, "host:port". */
  listen: string;
  /** Threads of the worker process. */
  threads: number;
  /** Unix socket of Slipway's static asset origin (process.ts): `/assets/` is routed there. */
  assetsSocket?: string;
}

export type BackendKind = "route" | "canary" | "preview";

export interface ServerPlan {
  backend: string;
  server: string;
  revision: string;
  /** HAProxy weight (0..256); 0 = in maintenance. */
  weight: number;
}

/** One server of one backend, as `add server` needs it (instance changes without a reload). */
export interface ServerMember {
  backend: string;
  server: string;
  revision: string;
  /** "host:port" ("[v6]:port"). */
  address: string;
  /** What default-server gives a server of the file; dynamic servers in HAProxy 2.6 do not inherit it. */
  args: string;
  /** HAProxy weight (1..256), and whether the server takes new requests (weight 0 = maintenance). */
  weight: number;
  ready: boolean;
}

export interface ConfigPlan {
  /** haproxy.cfg */
  text: string;
  /** File name (in dir) → content. */
  maps: Record<string, string>;
  /** Backend name → what it serves. */
  backends: Map<string, { route: string; kind: BackendKind }>;
  /** Server name → revision id (the same name in every backend that holds that instance). */
  servers: Map<string, string>;
  /** Servers of the weighted backends, with their runtime weight. */
  weighted: ServerPlan[];
  /** Which preview backend serves which revision (pass it to the next planConfig). */
  previewSlots: PreviewSlots;
  /** Every server of a backend whose servers may change at run time (no sticky cookie). */
  members: ServerMember[];
  /**
   * Everything but the weights and the servers that may change at run time: when it differs from
   * what runs, HAProxy is reloaded; else weights and servers change over the Runtime API.
   */
  structure: string;
}

export const SERVERS_MAP = "servers.map";
export const PREVIEW_MAP = "preview.map";
/** Preview backends per route: a rollout needs two (stable and candidate), a third drains. */
const PREVIEW_SLOTS = 4;
/** Route id → revision id → preview slot; kept from one plan to the next. */
export type PreviewSlots = Map<string, Map<string, number>>;
export const CUT_MAP = "cut.map";
/**
 * `/assets/<name>/` of each published bundle name (the data plane keeps it, not the route table):
 * only those go to the asset origin, so an app's own `/assets/…` URLs stay the app's.
 */
export const ASSETS_MAP = "assets.map";
/** The ring section that holds the request log (read by log-collector.ts). */
export const LOG_RING = "slw";
/** Health-check interval floor: an `ejectionMs` of 1 must not mean a check every millisecond. */
const MIN_CHECK_INTERVAL_MS = 100;
const MAX_WEIGHT = 256;

export const shortHash = (value: string) => createHash("sha256").update(value).digest("hex").slice(0, 12);
export const routeName = (routeId: string) => shortHash(`route\0${routeId}`);
export const serverName = (revisionId: string, instanceId: string) =>
  `s_${shortHash(`server\0${revisionId}\0${instanceId}`)}`;

/** A HAProxy config string, double-quoted with `"` and `\` escaped. */
function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\$/g, "\\$")}"`;
}

/**
 * Integer HAProxy weights per server in proportion to revision weight / instance count (each
 * revision's share is spread over its instances), scaled into 1..256; exact when they fit.
 */
export function serverWeights(revisions: RouteRevision[]): Map<string, number> {
  const live = revisions.filter((r) => r.weight > 0 && r.instances.length > 0);
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const lcm = live.reduce((acc, r) => (acc * r.instances.length) / gcd(acc, r.instances.length), 1);
  const raw = new Map(live.map((r) => [r.id, (r.weight * lcm) / r.instances.length]));
  const values = [...raw.values()];
  const divisor =
    values.reduce((acc, v) => (Number.isInteger(v) && Number.isInteger(acc) ? gcd(acc, v) : 1), 0) || 1;
  const max = Math.max(0, ...values.map((v) => v / divisor));
  const scale = max > MAX_WEIGHT ? MAX_WEIGHT / max : 1;
  const weights = new Map<string, number>();
  for (const r of revisions)
    weights.set(r.id, raw.has(r.id) ? Math.max(1, Math.round(((raw.get(r.id) ?? 0) / divisor) * scale)) : 0);
  return weights;
}

/** Routes in match order: host-specific before any-host, longer path prefix first. */
function matchOrder(routes: Route[]): Route[] {
  return [...routes].sort(
    (a, b) =>
      Number(a.hosts.length === 0) - Number(b.hosts.length === 0) ||
      b.pathPrefix.length - a.pathPrefix.length ||
      a.id.localeCompare(b.id),
  );
}

/** ACL lines matching a route's hosts and path prefix, and the condition naming them. */
function routeCondition(route: Route, acl: string): { lines: string[]; when: string } {
  const lines: string[] = [];
  const prefix = route.pathPrefix;
  if (prefix === "/") lines.push(`  acl ${acl} always_true`);
  else if (prefix.endsWith("/")) lines.push(`  acl ${acl} path_beg ${quote(prefix)}`);
  else lines.push(`  acl ${acl} path ${quote(prefix)}`, `  acl ${acl} path_beg ${quote(`${prefix}/`)}`);
  if (route.hosts.length === 0) return { lines, when: acl };
  lines.push(`  acl ${acl}_host hdr(host),host_only -i ${route.hosts.join(" ")}`);
  return { lines, when: `${acl} ${acl}_host` };
}

/** Per-server settings from the policy (default-server in the file, spelled out on `add server`). */
function serverArgs(policy: TrafficPolicy): string {
  const o = policy.outlier;
  const inter = Math.max(MIN_CHECK_INTERVAL_MS, o.ejectionMs);
  const observe =
    o.maxEjectedPercent > 0 ? ` observe layer7 error-limit ${o.consecutiveErrors} on-error mark-down` : "";
  return `maxconn ${policy.maxConnections} maxqueue ${policy.maxPending} check inter ${inter} downinter ${inter} fall 1 rise 1${observe}`;
}

function serverDefaults(policy: TrafficPolicy): string {
  return `  default-server ${serverArgs(policy)}`;
}

/** A revision's backend (route, canary or preview); `dir` holds the map files. */
function backendHead(name: string, policy: TrafficPolicy, dir: string): string[] {
  return [
    `backend ${name}`,
    "  balance roundrobin",
    `  timeout server ${policy.tryTimeoutMs}`,
    `  timeout queue ${policy.tryTimeoutMs}`,
    // Retries only where the request never reached the app (connection failures), on another
    // server when there is one. (`empty-response` would also retry a stream the drain deadline
    // cuts with `shutdown session`, on another revision, instead of answering it 504.)
    `  retries ${policy.retries}`,
    "  retry-on conn-failure",
    "  option redispatch 1",
    // Every response names its revision, HAProxy's own errors included (after-response): here, not
    // in the frontend, every server is in servers.map, so "a server answered" is the cheaper test.
    `  http-after-response set-header ${REVISION_HEADER} %[srv_name,map(${dir}/${SERVERS_MAP})] if { srv_name -m found }`,
    serverDefaults(policy),
  ];
}

const address = (host: string, port: number) => `${host.includes(":") ? `[${host}]` : host}:${port}`;

function serverLine(name: string, host: string, port: number, extra = ""): string {
  return `  server ${name} ${address(host, port)}${extra}`;
}

/** Slots of a route's revisions: each keeps the one it had, new ones take the lowest free one. */
function assignSlots(revisions: string[], before: Map<string, number> | undefined): Map<string, number> {
  const slots = new Map<string, number>();
  for (const r of revisions) if (before?.has(r)) slots.set(r, before.get(r)!);
  const taken = new Set(slots.values());
  let next = 0;
  for (const r of revisions) {
    if (slots.has(r)) continue;
    while (taken.has(next)) next++;
    slots.set(r, next);
    taken.add(next);
  }
  return slots;
}

export function planConfig(table: RouteTable, paths: ConfigPaths, previous?: PreviewSlots): ConfigPlan {
  const previewSlots: PreviewSlots = new Map();
  const backends = new Map<string, { route: string; kind: BackendKind }>();
  const servers = new Map<string, string>();
  const weighted: ServerPlan[] = [];
  const members: ServerMember[] = [];
  // Server lines that `add server` / `del server` change at run time: not part of the structure.
  const dynamicAt = new Set<number>();
  const previewMap: string[] = [];
  const front: string[] = [];
  const back: string[] = [];
  const maxDrain = Math.max(0, ...table.routes.map((r) => r.policy.drainTimeoutMs));

  const ordered = matchOrder(table.routes);
  let fallback = "unrouted";
  ordered.forEach((route, index) => {
    const id = routeName(route.id);
    const acl = `rt_${id}`;
    const { lines, when } = routeCondition(route, acl);
    front.push(...lines);
    const slots = route.preview
      ? assignSlots(
          route.revisions.map((r) => r.id),
          previous?.get(route.id),
        )
      : new Map<string, number>();
    if (route.preview) {
      previewSlots.set(route.id, slots);
      for (const revision of route.revisions) {
        const token = previewToken(route.preview.key, revision.id);
        const digest = createHash("sha256").update(token).digest("hex");
        previewMap.push(`${id}:${digest} p_${id}_${slots.get(revision.id)}`);
      }
      // The map is keyed by route and SHA-256 of the token: an exact lookup whose timing tells
      // nothing about the token itself (the tokens are the HMACs; see docs/proxy.md).
      const lookup = `str(${id}:),concat(,txn.previewdigest),map(${paths.dir}/preview.map)`;
      front.push(`  use_backend %[${lookup}] if ${when} { ${lookup} -m found }`);
    }
    const canary = route.canary;
    const canaryRevision = canary ? route.revisions.find((r) => r.id === canary.revision) : undefined;
    if (canary && canaryRevision && (canary.header || canary.cookie)) {
      const name = `c_${id}`;
      if (canary.header) {
        const fetch = `req.hdr(${canary.header.name})`;
        const test = canary.header.value !== undefined ? `-m str ${quote(canary.header.value)}` : "-m found";
        front.push(`  use_backend ${name} if ${when} { ${fetch} ${test} }`);
      }
      if (canary.cookie) {
        const fetch = `req.cook(${canary.cookie.name})`;
        const test = canary.cookie.value !== undefined ? `-m str ${quote(canary.cookie.value)}` : "-m found";
        front.push(`  use_backend ${name} if ${when} { ${fetch} ${test} }`);
      }
      backends.set(name, { route: route.id, kind: "canary" });
      back.push(...backendHead(name, route.policy, paths.dir));
      for (const i of canaryRevision.instances) {
        const s = serverName(canaryRevision.id, i.id);
        servers.set(s, canaryRevision.id);
        const line = serverLine(s, i.host, i.port);
        dynamicAt.add(back.length);
        members.push({
          backend: name,
          server: s,
          revision: canaryRevision.id,
          address: address(i.host, i.port),
          args: serverArgs(route.policy),
          weight: 1,
          ready: true,
        });
        back.push(line);
      }
      back.push("");
    }
    // The last route, when it takes every host and path, is the default backend: a rule less per request.
    if (index === ordered.length - 1 && route.hosts.length === 0 && route.pathPrefix === "/")
      fallback = `r_${id}`;
    else front.push(`  use_backend r_${id} if ${when}`);

    const weights = serverWeights(route.revisions);
    const routeBackend = `r_${id}`;
    backends.set(routeBackend, { route: route.id, kind: "route" });
    back.push(...backendHead(routeBackend, route.policy, paths.dir));
    const sticky = canary?.sticky;
    if (sticky)
      back.push(
        `  cookie ${sticky.cookie} insert indirect nocache httponly attr "SameSite=Lax" attr "Max-Age=${Math.floor(sticky.maxAgeS)}"`,
      );
    for (const revision of route.revisions) {
      const weight = weights.get(revision.id) ?? 0;
      for (const i of revision.instances) {
        const s = serverName(revision.id, i.id);
        servers.set(s, revision.id);
        weighted.push({ backend: routeBackend, server: s, revision: revision.id, weight });
        const cookie = sticky ? ` cookie ${quote(revision.id)}` : "";
        const line = serverLine(
          s,
          i.host,
          i.port,
          ` weight ${Math.max(1, weight)}${cookie}${weight === 0 ? " disabled" : ""}`,
        );
        // HAProxy 2.6 refuses `cookie` on a dynamic server: sticky routes reload to change servers.
        if (!sticky) {
          dynamicAt.add(back.length);
          members.push({
            backend: routeBackend,
            server: s,
            revision: revision.id,
            address: address(i.host, i.port),
            args: serverArgs(route.policy),
            weight: Math.max(1, weight),
            ready: weight > 0,
          });
        }
        back.push(line);
      }
    }
    back.push("");
    if (route.preview) {
      const count = Math.max(PREVIEW_SLOTS, Math.max(-1, ...slots.values()) + 1);
      for (let slot = 0; slot < count; slot++) {
        const name = `p_${id}_${slot}`;
        backends.set(name, { route: route.id, kind: "preview" });
        back.push(...backendHead(name, route.policy, paths.dir));
        const revision = route.revisions.find((r) => slots.get(r.id) === slot);
        for (const i of revision?.instances ?? []) {
          const s = serverName(revision!.id, i.id);
          dynamicAt.add(back.length);
          members.push({
            backend: name,
            server: s,
            revision: revision!.id,
            address: address(i.host, i.port),
            args: serverArgs(route.policy),
            weight: 1,
            ready: true,
          });
          back.push(serverLine(s, i.host, i.port));
        }
        back.push("");
      }
    }
  });

  const head = [
    "# Written by Slipway (src/traffic/haproxy/config.ts) for every route table; do not edit.",
    `# generation ${table.generation}`,
    "global",
    "  master-worker",
    `  stats socket ${paths.statsSocket} mode 600 level admin expose-fd listeners`,
    // The request log goes to an in-memory ring that the control plane reads over the stats
    // socket (log-collector.ts): batched, and nothing lost across reloads.
    `  log ring@${LOG_RING} len 8192 format raw local0`,
    `  nbthread ${paths.threads}`,
    // A reload's older worker keeps running requests of a left revision until their drain deadline.
    `  hard-stop-after ${maxDrain + 10_000}`,
    "  tune.bufsize 32768",
    "",
    `ring ${LOG_RING}`,
    "  format raw",
    "  maxlen 8192",
    // ~500k lines of backlog if the reader stalls (HAProxy drops the newest lines beyond it).
    "  size 33554432",
    "",
    "defaults",
    "  mode http",
    "  log global",
    "  option http-keep-alive",
    "  timeout connect 5s",
    "  timeout client 60s",
    "  timeout server 30s",
    "  timeout tunnel 1h",
    "  timeout http-keep-alive 60s",
    // One line per request: backend, server, status, exact microseconds, termination state.
    '  log-format "slw %b %s %ST %[date(0,us),sub(txn.t0)] %tsc"',
    "",
    "frontend slipway",
    `  bind ${paths.listen}`,
    "  http-request set-var(txn.t0) date(0,us)",
    // Only where some route serves previews: even a rule whose condition fails costs each request.
    ...(table.routes.some((r) => r.preview)
      ? [
          `  http-request set-var(txn.previewdigest) req.hdr(${REVISION_HEADER}),digest(sha256),hex,lower if { req.hdr(${REVISION_HEADER}) -m found }`,
        ]
      : []),
    // The client's header never reaches an app (unconditional: cheaper than testing for it first).
    `  http-request del-header ${REVISION_HEADER}`,
    // Published asset bundles come from Slipway's origin (docs/assets.md), before any route.
    ...(paths.assetsSocket
      ? [`  use_backend slipway_assets if { path,map_beg(${paths.dir}/${ASSETS_MAP}) -m found }`]
      : []),
    ...front,
    `  default_backend ${fallback}`,
    // A request cut at its revision's drain deadline is a 504 (the revision header: backendHead).
    `  http-after-response set-status 504 if { status 502 } { srv_name,map(${paths.dir}/${CUT_MAP}) -m found }`,
    "",
    "frontend sync",
    `  bind unix@${paths.syncSocket} mode 600`,
    '  log-format "slw sync %HP 204 0 ----"',
    "  http-request return status 204",
    "",
    "backend unrouted",
    '  http-request return status 404 content-type "text/plain" string "no route for this host and path"',
    "",
    ...(paths.assetsSocket
      ? [
          "backend slipway_assets",
          // Not a revision's traffic: no log line, so the collector (same event loop as the origin) is spared.
          "  http-request set-log-level silent",
          `  server origin unix@${paths.assetsSocket}`,
          "",
        ]
      : []),
  ];
  const text = [...head, ...back].join("\n");

  const serverMap = [...servers].map(([name, revision]) => `${name} ${revision}`);
  const maps = {
    [SERVERS_MAP]: `${serverMap.join("\n")}\n`,
    [PREVIEW_MAP]: `${previewMap.join("\n")}\n`,
    [CUT_MAP]: "",
  };
  const fixed = [...head, ...back.filter((_, i) => !dynamicAt.has(i))].join("\n");
  const structure = JSON.stringify({
    text: fixed
      .replace(/ weight \d+/g, "")
      .replace(/ disabled/g, "")
      .replace(/^# generation.*$/m, ""),
    // servers.map and preview.map follow the servers and revisions (`add map` / `del map` at run time).
    maps: { ...maps, [SERVERS_MAP]: "", [PREVIEW_MAP]: "" },
  });
  return { text, maps, backends, servers, weighted, members, previewSlots, structure };
}
