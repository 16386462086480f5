import type { Probe } from "../revision/spec.js";
import type { ReleasePolicy } from "../policy/types.js";
import type { MetricDefinition } from "../analysis/definition.js";
import type { CanaryStep } from "../rollout/types.js";
import type { RuntimeConfig, RuntimeKind } from "./runtime.js";
import type { DataPlaneKind } from "../traffic/data-plane-kind.js";

export type { CanaryStep, RuntimeConfig, RuntimeKind };

/**
 * slipway.yaml as the rest of Slipway reads it: defaults applied, durations in milliseconds,
 * percentages as fractions, per-environment overrides kept beside the service they change
 * (use `serviceIn(config, service, env)` to get the merged view).
 */
export interface ProjectConfig {
  project: { name: string };
  /** What runs the revisions; the server picks the adapter from it at start (createRuntime). */
  runtime: RuntimeConfig;
  /** What carries the traffic; `slipway up` starts that proxy (docs/proxy.md). */
  dataPlane: DataPlaneKind;
  services: Record<string, ServiceConfig>;
  environments: Record<string, EnvironmentConfig>;
  /** Globs of the repository's flag files, relative to the project directory. */
  flags: string[];
  /** Release channels by name (docs/channels.md). */
  channels: Record<string, ChannelConfig>;
  /** Static asset bundles by name: which alias moves are gated in which environment (docs/assets.md). */
  assets: Record<string, { aliases: Record<string, string> }>;
}

/** A release channel: a rollout in an environment, or a flag whose variant holds the version. */
export type ChannelConfig = RolloutChannelConfig | FlagChannelConfig;

interface ChannelBase {
  name: string;
  description?: string;
  /** The services whose versions move through it (every service when slipway.yaml names none). */
  services: string[];
}

export interface RolloutChannelConfig extends ChannelBase {
  strategy: Strategy;
  environment: string;
  /** Canary: the channel's steps, else the environment's, else the defaults. */
  steps?: CanaryStep[];
}

export interface FlagChannelConfig extends ChannelBase {
  strategy: "flag";
  flag: string;
  variant: string;
}

export type ChannelStrategy = ChannelConfig["strategy"];

export interface ServiceConfig {
  name: string;
  /** Source directory relative to the project root ("." for the root). */
  path: string;
  build?: string;
  buildTimeoutMs: number;
  /** Shell command; receives PORT. */
  start: string;
  env: Record<string, string>;
  replicas: number;
  readiness: Probe;
  liveness?: Probe;
  routes: RouteConfig[];
  traffic: ServiceTraffic;
  stopGraceMs: number;
}

export interface RouteConfig {
  /** Empty = any host. */
  hosts: string[];
  pathPrefix: string;
}

export interface ServiceTraffic {
  tryTimeoutMs: number;
  retries: number;
  maxConnections: number;
  maxPending: number;
  outlier: { consecutiveErrors: number; ejectionMs: number; maxEjectedPercent: number };
}

export type Strategy = "blue-green" | "canary";

export interface EnvironmentConfig {
  name: string;
  strategy: Strategy;
  /** Branch and tag globs that deploy automatically (webhooks). */
  deploy: { branches: string[]; tags: string[] };
  readinessTimeoutMs: number;
  scaleDownDelayMs: number;
  drainTimeoutMs: number;
  /** Run before the switch with SLIPWAY_PREVIEW_URL (SMOKE_URL_ENV) set to the candidate. */
  smoke?: { command: string; timeoutMs: number };
  /** Whether a signed `x-slipway-revision` header may reach this environment's revisions. */
  preview: boolean;
  analysis: AnalysisConfig;
  /** Written, or derived from the name (isProductionLikeName). */
  productionLike: boolean;
  /** After promotion: automatic rollback within the window; service.down/recovered always. */
  watch: WatchConfig;
  /** Canary steps, in order (strategy "canary": the defaults when none are written). */
  steps?: CanaryStep[];
  /** Canary routing (strategy "canary", defaults applied). */
  canary?: CanaryConfig;
  /** Present when rollouts need an approval. */
  approval?: { approvers: string[]; expiryMs: number };
  /** Present when releases must show evidence before they are deployed here (docs/policies.md). */
  policy?: ReleasePolicy;
  freezeWindows: FreezeWindow[];
  /** Data planes on other hosts serving this environment's routes (docs/scaling.md). */
  dataPlanes?: DataPlanesConfig;
  /** Per-service overrides; already merged by serviceIn(). */
  services: Record<string, ServiceOverride>;
}

export interface DataPlanesConfig {
  hosts: DataPlaneHostConfig[];
  /** Hosts that must acknowledge a table before a forward step counts (default: every host). */
  quorum: number;
}

export interface DataPlaneHostConfig {
  name: string;
  /** Admin API URL, http://HOST:PORT. */
  admin: string;
  /** As written: `${ENV_VAR}` references are resolved by the server at start. */
  token: string;
  /** Replaces loopback upstream hosts in the table sent to this host. */
  upstreamHost?: string;
}

export interface WatchConfig {
  windowMs: number;
  /** Default: the environment's productionLike. */
  rollback: boolean;
  downAfterMs: number;
}

export interface ServiceOverride {
  replicas?: number;
  env?: Record<string, string>;
  routes?: RouteConfig[];
}

export interface AnalysisConfig {
  windowMs: number;
  intervalMs: number;
  /** Below this many requests in a trigger's period the trigger has no verdict. */
  minRequests: number;
  /** Canary: traffic in this long after the canary's first request is left out of comparisons with stable. */
  warmUpMs: number;
  /** A first deploy (no stable revision) is analysed at most this long. */
  firstDeployWindowMs: number;
  triggers: AnalysisTriggers;
  /** Metrics watched through every canary step (validated); empty = the default canary metrics. */
  metrics: MetricDefinition[];
}

export interface CanaryConfig {
  /** Requests with this header (and value, if given) reach the canary; absent = off. */
  header?: { name: string; value?: string };
  cookie?: { name: string; value?: string };
  /** Sticky weighted assignment (cookie slipway-rev-<service>). */
  sticky: boolean;
}

/** A trigger absent here was switched off with `false`. */
export interface AnalysisTriggers {
  /** Error rate (0..1) above `above` for `forMs`. */
  errorRate?: { above: number; forMs: number };
  /** Latency percentile above `aboveMs` for `forMs`. */
  latency?: { percentile: number; aboveMs: number; forMs: number };
  /** Candidate latency percentile above `ratio` × the previous revision's, for `forMs`. */
  latencyVsBaseline?: { percentile: number; ratio: number; forMs: number };
  /** Consecutive failed health checks of the candidate. */
  consecutiveHealthFailures?: number;
}

export interface FreezeWindow {
  cron: string;
  durationMs: number;
  timezone: string;
  reason?: string;
}
