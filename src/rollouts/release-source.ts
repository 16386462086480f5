import { join } from "node:path";
import { ROLLOUT_DEFAULTS } from "../core/rollout/defaults.js";
import type { CanaryStep, RolloutSettings, RolloutStrategy } from "../core/rollout/types.js";
import { defaultCanaryMetrics } from "../core/analysis/evaluate.js";
import type { MetricDefinition } from "../core/analysis/definition.js";
import { getEnvironment, revisionSpecFor, routesFor, serviceIn } from "../core/config/map.js";
import type { EnvironmentConfig, ProjectConfig } from "../core/config/types.js";
import { CONFIG_DEFAULTS, SMOKE_URL_ENV } from "../core/config/defaults.js";
import { durationMs } from "../core/duration.js";
import { loadProjectConfig } from "../config/load.js";
import type { RevisionSpec } from "../core/revision/spec.js";
import type { RouteSpec } from "../store/ports/rollout-store.js";
import { channelEnvironment } from "../core/channels/index.js";
import { SlipwayError } from "../core/errors.js";
import { own } from "../core/own.js";

export interface DeployRequest {
  service: string;
  environment: string;
  version: string;
  ref?: string;
  /** A move into this release channel: its strategy and steps over the environment's (docs/channels.md). */
  channel?: string;
}

/** Everything the controller needs to roll a release out, resolved from slipway.yaml. */
export interface PreparedDeploy {
  spec: RevisionSpec;
  routes: RouteSpec[];
  settings: RolloutSettings;
  /** Default blue-green. */
  strategy?: RolloutStrategy;
  /** Canary steps (strategy "canary"). */
  steps?: CanaryStep[];
}

/** The port through which the controller turns "deploy web v3" into a runnable revision. */
export interface ReleaseSource {
  prepare(request: DeployRequest): Promise<PreparedDeploy>;
}

/** A trigger switched off in slipway.yaml (`false`) never fires. JSON has no Infinity. */
const NEVER = Number.MAX_SAFE_INTEGER;

/**
 * The background analysis of a canary: the environment's metrics as written, else the default
 * canary metrics as guards: they abort on a failed verdict but keep measuring through
 * inconclusive ones (a canary at 10 % often has too little traffic for a verdict yet).
 */
export function backgroundMetrics(env: EnvironmentConfig): MetricDefinition[] {
  if (env.analysis.metrics.length > 0) return env.analysis.metrics;
  return defaultCanaryMetrics(env.analysis.intervalMs).map((m) => ({
    ...m,
    run: { ...m.run, onInconclusive: "wait", inconclusiveLimit: NEVER },
  }));
}

/** Rollout settings of an environment as slipway.yaml declares them. */
export function settingsFor(env: EnvironmentConfig, service?: string): RolloutSettings {
  const a = env.analysis;
  const t = a.triggers;
  return {
    readyTimeoutMs: env.readinessTimeoutMs,
    ...(env.smoke ? { smokeCommand: env.smoke.command } : {}),
    smokeTimeoutMs: env.smoke?.timeoutMs ?? ROLLOUT_DEFAULTS.smokeTimeoutMs,
    analysisWindowMs: a.windowMs,
    firstDeployWindowMs: a.firstDeployWindowMs,
    scaleDownDelayMs: env.scaleDownDelayMs,
    drainTimeoutMs: env.drainTimeoutMs,
    triggers: {
      healthFailures: t.consecutiveHealthFailures ?? NEVER,
      startCrashes: ROLLOUT_DEFAULTS.triggers.startCrashes,
      errorRate: {
        threshold: t.errorRate?.above ?? NEVER,
        windowMs: t.errorRate?.forMs ?? ROLLOUT_DEFAULTS.triggers.errorRate.windowMs,
        minRequests: a.minRequests,
      },
      p95: {
        percentile: (t.latency?.percentile ?? 95) / 100,
        thresholdMs: t.latency?.aboveMs ?? NEVER,
        windowMs: t.latency?.forMs ?? ROLLOUT_DEFAULTS.triggers.p95.windowMs,
        minRequests: a.minRequests,
      },
      baselineRatio: {
        percentile: (t.latencyVsBaseline?.percentile ?? 95) / 100,
        factor: t.latencyVsBaseline?.ratio ?? NEVER,
        windowMs: t.latencyVsBaseline?.forMs ?? ROLLOUT_DEFAULTS.triggers.baselineRatio.windowMs,
        minRequests: a.minRequests,
        minDeltaMs: ROLLOUT_DEFAULTS.triggers.baselineRatio.minDeltaMs,
      },
    },
    watch: { windowMs: env.watch.windowMs, rollback: env.watch.rollback, downAfterMs: env.watch.downAfterMs },
    ...(env.strategy === "canary" && {
      metrics: backgroundMetrics(env),
      analysisWarmUpMs: a.warmUpMs,
      canaryRouting: {
        ...(env.canary?.header && { header: env.canary.header }),
        ...(env.canary?.cookie && { cookie: env.canary.cookie }),
        ...((env.canary?.sticky ?? true) &&
          service !== undefined && {
            sticky: {
              cookie: `${CONFIG_DEFAULTS.canary.stickyCookiePrefix}${service}`,
              maxAgeS: durationMs(CONFIG_DEFAULTS.canary.stickyMaxAge) / 1000,
            },
          }),
      },
    }),
  };
}

/** The environment as the deploy runs it: through a rollout channel, with the channel's strategy. */
function environmentFor(config: ProjectConfig, request: DeployRequest): EnvironmentConfig {
  const env = getEnvironment(config, request.environment);
  if (request.channel === undefined) return env;
  const channel = own(config.channels, request.channel);
  if (!channel || channel.strategy === "flag" || channel.environment !== env.name)
    throw new SlipwayError(
      "SLIPWAY_CONFLICT",
      `slipway.yaml no longer has a rollout channel ${request.channel} on ${env.name}`,
    );
  return channelEnvironment(env, channel);
}

/** Resolves a deploy from a loaded configuration and the directory holding the release's files. */
export function prepareFromConfig(
  config: ProjectConfig,
  request: DeployRequest,
  releaseDir: string,
): PreparedDeploy {
  const env = environmentFor(config, request);
  serviceIn(config, request.service, request.environment);
  const spec = revisionSpecFor(config, request.service, request.environment, {
    version: request.version,
    dir: releaseDir,
  });
  const routes = routesFor(config, request.service, request.environment).map((r) => ({
    id: r.id,
    hosts: r.hosts,
    pathPrefix: r.pathPrefix,
    policy: r.policy,
  }));
  return {
    spec,
    routes,
    settings: settingsFor(env, request.service),
    strategy: env.strategy,
    ...(env.strategy === "canary" && env.steps && { steps: env.steps }),
  };
}

/**
 * Reads slipway.yaml afresh for every deploy and runs the service from its directory in the project
 * (the working tree). Release builds from a ref plug in here through `buildRelease`.
 */
export class ProjectReleaseSource implements ReleaseSource {
  constructor(
    private readonly projectDir: string,
    private readonly buildRelease?: (request: DeployRequest, config: ProjectConfig) => Promise<string>,
  ) {}

  async prepare(request: DeployRequest): Promise<PreparedDeploy> {
    const config = loadProjectConfig(this.projectDir);
    const svc = serviceIn(config, request.service, request.environment);
    const dir = this.buildRelease ? await this.buildRelease(request, config) : join(config.dir, svc.path);
    return prepareFromConfig(config, request, dir);
  }
}

export { SMOKE_URL_ENV };
