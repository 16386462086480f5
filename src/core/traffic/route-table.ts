/**
 * The contract between the control plane and any data plane (src/traffic/port.ts): the whole
 * routing state it needs, replaced atomically (the built-in proxy: `PUT /v1/routes` on its admin
 * API). The control plane always sends the complete table ("set the world to X"), which makes every
 * update idempotent and lets a restarted control plane resend what it believes without diffing.
 * Data-plane neutral: each adapter translates it to its own configuration.
 */
export interface RouteTable {
  /**
   * Increases with every change the control plane makes. The data plane refuses a table whose
   * generation is lower than the one it holds (the built-in proxy: 409), so a stale writer cannot
   * roll traffic back.
   */
  generation: number;
  routes: Route[];
}

export interface Route {
  /** Stable id, `<service>/<environment>`, e.g. "web/production". */
  id: string;
  /** Host names this route answers (without port); empty means any host. */
  hosts: string[];
  /** Path prefix, "/" for everything. The longest matching prefix wins among routes for a host. */
  pathPrefix: string;
  /** Revisions receiving traffic, in weight order. Weight 0 = reachable only by preview header. */
  revisions: RouteRevision[];
  policy: TrafficPolicy;
  /** Header/cookie routing and sticky sessions while a canary runs; absent = weights only. */
  canary?: CanaryRouting;
  /**
   * Preview access to any of the route's revisions (src/traffic/preview-token.ts): a request whose
   * `x-slipway-revision` header holds `previewToken(key, revisionId)` goes to that revision, even
   * at weight 0, and is left out of the revision's analysis numbers. Absent = preview off: the
   * header is ignored and the request routed as any other.
   */
  preview?: { key: string };
}

export interface CanaryRouting {
  /** The canary revision id; must be one of route.revisions. */
  revision: string;
  /** Requests with this header (and value, if given) always reach the canary (testers). */
  header?: { name: string; value?: string };
  /** Same for a cookie. */
  cookie?: { name: string; value?: string };
  /**
   * Sticky assignment: the data plane sets cookie `name` to the revision it picked (weighted split) on
   * the first response; later requests carrying it go to that revision while it is still in the
   * route with weight > 0 (else re-picked and the cookie rewritten). Max-Age = maxAgeS, Path=/,
   * HttpOnly, SameSite=Lax. Stickiness is only applied while `canary` is present.
   */
  sticky?: { cookie: string; maxAgeS: number };
}

export interface RouteRevision {
  /** Revision id, e.g. "web/production@v3"; a signed preview token (route.preview) reaches it. */
  id: string;
  /** Relative share of the route's traffic; the data plane normalises over the listed revisions. */
  weight: number;
  /** Ready instances; the data plane balances across them (least outstanding requests). */
  instances: Upstream[];
}

export interface Upstream {
  /** Instance id, stable for the life of the process. */
  id: string;
  host: string;
  port: number;
}

export interface TrafficPolicy {
  /** Per-try timeout for the upstream response headers; 504 when it passes. */
  tryTimeoutMs: number;
  /** Extra tries after a failure, only where safe (connect refused, or idempotent methods). */
  retries: number;
  /** Circuit breaker: concurrent requests per instance, and queued requests per route. */
  maxConnections: number;
  maxPending: number;
  /** Outlier ejection: this many consecutive 5xx/connect errors eject an instance for ejectionMs. */
  outlier: { consecutiveErrors: number; ejectionMs: number; maxEjectedPercent: number };
  /**
   * When a revision leaves the table its in-flight requests may finish for this long; those still
   * running are then cut with 504. WebSockets of a removed revision are closed at once.
   */
  drainTimeoutMs: number;
}

export const DEFAULT_TRAFFIC_POLICY: TrafficPolicy = {
  tryTimeoutMs: 30_000,
  retries: 1,
  maxConnections: 1024,
  maxPending: 1024,
  outlier: { consecutiveErrors: 5, ejectionMs: 30_000, maxEjectedPercent: 50 },
  drainTimeoutMs: 30_000,
};
