import { DEFAULT_TRAFFIC_POLICY } from "../traffic/route-table.js";

/**
 * Every default of slipway.yaml, in one block. The schema (and so the generated JSON Schema that
 * editors show), docs/configuration.md and the rollout controller all read these. Durations are
 * written as users write them ("5m"); the loader turns them into milliseconds.
 *
 * The rollback triggers come from the users' own runbooks (../shared/seeds): seed 001 rolls back on
 * "health check failures (3+ consecutive)", "error rate >5% for 5+ minutes" and "response time >5s
 * p95 for 10+ minutes"; seed 004 on "response time degradation (>2x baseline)".
 */
export const CONFIG_DEFAULTS = {
  /** Name of the file Slipway looks for in a project directory. */
  fileName: "slipway.yaml",

  /** What runs the revisions: instances as processes on the control plane's host (docs/runtime.md). */
  runtime: "local" as const,
  /** Where the control plane looks for flag files when slipway.yaml names none (flagd's format). */
  flags: ["flags/*.json"] as readonly string[],

  /** What carries the traffic: Slipway's own proxy, which needs nothing installed (docs/proxy.md). */
  dataPlane: "builtin" as const,

  service: {
    /** Source directory of a service, relative to the project root. */
    path: ".",
    replicas: 1,
    /** SIGTERM → SIGKILL grace period when an instance is stopped. */
    stopGracePeriod: "10s",
    /** Route when a service declares none: every host, every path. */
    route: { hosts: [] as string[], pathPrefix: "/" },
  },

  /** Probe timings (Kubernetes' names; kamal-proxy-like quick period, since instances are local). */
  probe: {
    initialDelay: "0s",
    period: "1s",
    timeout: "2s",
    successThreshold: 1,
    /** Seed 001: three or more consecutive health-check failures. */
    failureThreshold: 3,
    /** Readiness when a service declares none: the port accepts TCP connections. */
    readinessCheck: "tcp" as const,
  },

  /** Traffic policy: the same figures as the proxy contract's DEFAULT_TRAFFIC_POLICY. */
  traffic: {
    timeout: msToDuration(DEFAULT_TRAFFIC_POLICY.tryTimeoutMs),
    retries: DEFAULT_TRAFFIC_POLICY.retries,
    maxConnections: DEFAULT_TRAFFIC_POLICY.maxConnections,
    maxPending: DEFAULT_TRAFFIC_POLICY.maxPending,
    outlierConsecutiveErrors: DEFAULT_TRAFFIC_POLICY.outlier.consecutiveErrors,
    outlierEjectionTime: msToDuration(DEFAULT_TRAFFIC_POLICY.outlier.ejectionMs),
    outlierMaxEjectedPercent: DEFAULT_TRAFFIC_POLICY.outlier.maxEjectedPercent,
    drainTimeout: msToDuration(DEFAULT_TRAFFIC_POLICY.drainTimeoutMs),
  },

  environment: {
    /** Environment created when slipway.yaml declares none. */
    name: "production",
    strategy: "blue-green" as const,
    /** How long the previous revision stays warm after promotion, for an instant rollback (Argo Rollouts: 30s). */
    scaleDownDelay: "30s",
    /** How long a candidate may take to become ready before the rollout is rolled back. */
    readinessTimeout: "60s",
    /** Bound on the pre-promotion smoke command. */
    smokeTimeout: "60s",
    /** An approval request expires after this long. */
    approvalExpiry: "24h",
    /** Signed preview access (`x-slipway-revision`) is on unless an environment turns it off. */
    preview: true,
  },

  /**
   * After promotion (the live release). Seed 002's rollback strategy: "automaticRollback: true,
   * rollbackTimeWindow: 5 minutes"; its alert rules call a target down after "up == 0 for 1m".
   */
  watch: {
    /** A release that fails this soon after its promotion goes back to the previous release. */
    window: "5m",
    /** The live revision with no ready instance this long is reported as service.down. */
    downAfter: "1m",
  },

  analysis: {
    /** Post-promotion analysis window: long enough for the slowest default trigger (p95 for 10m). */
    window: "10m",
    /** How often the controller samples metrics during the window. */
    interval: "10s",
    /** Below this many requests in a trigger's period there is no verdict (never a silent pass or fail). */
    minRequests: 20,
    /**
     * Canary warm-up left out of comparisons with stable (a cold process against a warm one):
     * Kayenta's beginAfterMins; see ANALYSIS_DEFAULTS.warmUpMs.
     */
    warmUp: "30s",
    /**
     * A first deploy has no stable revision to compare with or to fall back to: its analysis lasts
     * at most this long (threshold triggers still apply), then the post-promotion watch takes over.
     */
    firstDeployWindow: "30s",
    errorRate: { above: 0.05, for: "5m" },
    latency: { percentile: 95, above: "5s", for: "10m" },
    latencyVsBaseline: { ratio: 2, percentile: 95, for: "5m" },
    consecutiveHealthFailures: 3,
  },

  /** Canary strategy (issue 6). */
  canary: {
    /** Steps when `strategy: canary` declares none: 10 %, watch, half, watch, then all. */
    steps: [{ setWeight: 10 }, { pause: "1m" }, { setWeight: 50 }, { pause: "1m" }] as const,
    /** Requests carrying this header (any value) always reach the canary: testers, smoke scripts. */
    header: "x-slipway-canary",
    /** Sticky weighted assignment: a user stays on the revision they were first sent to. */
    sticky: true,
    /** Sticky cookie name is this prefix + the service name. */
    stickyCookiePrefix: "slipway-rev-",
    /** Sticky cookie lifetime. */
    stickyMaxAge: "1h",
  },

  /** Release builds: bounded so a hung build cannot hold a deploy forever. */
  release: { buildTimeout: "10m" },
} as const;

/** Environment variable holding the candidate's preview URL for the smoke command. */
export const SMOKE_URL_ENV = "SLIPWAY_PREVIEW_URL";

/** "30s" for 30000; whole units only, used to express the proxy's defaults in config form. */
export function msToDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
