import type { Probe, ProbeCheck } from "../revision/spec.js";
import { parseMetricDefinitions } from "../analysis/definition.js";
import { defaultCanaryMetrics } from "../analysis/evaluate.js";
import { CONFIG_DEFAULTS as D } from "./defaults.js";
import { durationMs } from "../duration.js";
import { normalizePolicy } from "./schema-policy.js";
import type { RawProjectConfig } from "./schema.js";
import type {
  AnalysisTriggers,
  CanaryConfig,
  ChannelConfig,
  CanaryStep,
  EnvironmentConfig,
  ProjectConfig,
  ServiceConfig,
  ServiceOverride,
} from "./types.js";
import { ownRecord } from "../own.js";

type RawService = RawProjectConfig["services"][string];
type RawEnvironment = RawProjectConfig["environments"][string];
type RawProbe = RawService["readiness"];

/** Turns the schema's output (as written, defaults applied) into the typed ProjectConfig. */
export function normalizeConfig(raw: RawProjectConfig): ProjectConfig {
  return {
    project: { name: raw.project.name },
    runtime: { kind: raw.runtime },
    flags: [...raw.flags],
    dataPlane: raw.dataPlane,
    services: ownRecord(Object.entries(raw.services).map(([name, s]) => [name, normalizeService(name, s)])),
    environments: ownRecord(
      Object.entries(raw.environments).map(([name, e]) => [name, normalizeEnvironment(name, e)]),
    ),
    channels: ownRecord(
      Object.entries(raw.channels).map(([name, c]) => [name, normalizeChannel(name, c, raw)]),
    ),
    assets: ownRecord(
      Object.entries(raw.assets).map(([name, a]) => [
        name,
        { aliases: ownRecord(Object.entries(a.aliases)) },
      ]),
    ),
  };
}

/** The schema's cross-checks guarantee what each strategy needs (environment, or flag and variant). */
function normalizeChannel(
  name: string,
  c: RawProjectConfig["channels"][string],
  raw: RawProjectConfig,
): ChannelConfig {
  const base = {
    name,
    ...(c.description !== undefined && { description: c.description }),
    services: c.services ? [...c.services] : Object.keys(raw.services),
  };
  if (c.strategy === "flag")
    return { ...base, strategy: "flag", flag: c.flag ?? "", variant: c.variant ?? "" };
  const environment = c.environment ?? "";
  const intervalMs = durationMs(raw.environments[environment]?.analysis.interval ?? D.analysis.interval);
  const written = c.steps ?? raw.environments[environment]?.steps;
  return {
    ...base,
    strategy: c.strategy,
    environment,
    ...(c.strategy === "canary" && {
      steps: (written ?? D.canary.steps).map((step, i) =>
        normalizeStep(step, c.steps ? `channels.${name}` : environment, i, intervalMs),
      ),
    }),
  };
}

function normalizeService(name: string, s: RawService): ServiceConfig {
  return {
    name,
    path: s.path,
    ...(s.build !== undefined && { build: s.build }),
    buildTimeoutMs: durationMs(s.buildTimeout),
    start: s.start,
    env: stringEnv(s.env),
    replicas: s.replicas,
    readiness: normalizeProbe(s.readiness),
    ...(s.liveness && { liveness: normalizeProbe(s.liveness) }),
    routes: s.routes.map((r) => ({ hosts: [...r.hosts], pathPrefix: r.pathPrefix })),
    traffic: {
      tryTimeoutMs: durationMs(s.timeout),
      retries: s.retries,
      maxConnections: s.circuitBreaker.maxConnections,
      maxPending: s.circuitBreaker.maxPending,
      outlier: {
        consecutiveErrors: s.outlier.consecutiveErrors,
        ejectionMs: durationMs(s.outlier.ejectionTime),
        maxEjectedPercent: s.outlier.maxEjectedPercent,
      },
    },
    stopGraceMs: durationMs(s.stopGracePeriod),
  };
}

function normalizeProbe(p: RawProbe): Probe {
  return {
    check: probeCheck(p),
    initialDelayMs: durationMs(p.initialDelay),
    periodMs: durationMs(p.period),
    timeoutMs: durationMs(p.timeout),
    successThreshold: p.successThreshold,
    failureThreshold: p.failureThreshold,
  };
}

function probeCheck(p: RawProbe): ProbeCheck {
  if (p.http !== undefined) {
    if (typeof p.http === "string") return { kind: "http", path: p.http };
    const expect = p.http.expectStatus;
    return {
      kind: "http",
      path: p.http.path,
      ...(expect !== undefined && { expectStatus: Array.isArray(expect) ? expect : [expect] }),
    };
  }
  if (p.exec !== undefined) return { kind: "exec", command: p.exec };
  // The schema guarantees exactly one check; tcp is what is left.
  return { kind: "tcp" };
}

function normalizeEnvironment(name: string, e: RawEnvironment): EnvironmentConfig {
  const smoke =
    e.smoke === undefined
      ? undefined
      : typeof e.smoke === "string"
        ? { command: e.smoke, timeoutMs: durationMs(D.environment.smokeTimeout) }
        : { command: e.smoke.command, timeoutMs: durationMs(e.smoke.timeout) };
  const approval =
    e.approval === undefined || e.approval === false
      ? undefined
      : e.approval === true
        ? { approvers: [], expiryMs: durationMs(D.environment.approvalExpiry) }
        : { approvers: e.approval.approvers, expiryMs: durationMs(e.approval.expiry) };
  const intervalMs = durationMs(e.analysis.interval);
  const productionLike = e.productionLike ?? isProductionLikeName(name);
  return {
    name,
    strategy: e.strategy,
    deploy: { branches: e.deploy.branches, tags: e.deploy.tags },
    readinessTimeoutMs: durationMs(e.readinessTimeout),
    scaleDownDelayMs: durationMs(e.scaleDownDelay),
    drainTimeoutMs: durationMs(e.drainTimeout),
    ...(smoke && { smoke }),
    preview: e.preview,
    analysis: {
      windowMs: durationMs(e.analysis.window),
      intervalMs: durationMs(e.analysis.interval),
      minRequests: e.analysis.minRequests,
      warmUpMs: durationMs(e.analysis.warmUp),
      firstDeployWindowMs: durationMs(e.analysis.firstDeployWindow),
      triggers: normalizeTriggers(e.analysis.triggers),
      metrics: parseMetricDefinitions(e.analysis.metrics ?? [], `environments.${name}.analysis.metrics`),
    },
    productionLike,
    watch: {
      windowMs: durationMs(e.watch.window),
      rollback: e.watch.rollback ?? productionLike,
      downAfterMs: durationMs(e.watch.downAfter),
    },
    ...(e.steps && { steps: e.steps.map((step, i) => normalizeStep(step, name, i, intervalMs)) }),
    ...(!e.steps &&
      e.strategy === "canary" && {
        steps: D.canary.steps.map((step, i) => normalizeStep(step, name, i, intervalMs)),
      }),
    ...(e.strategy === "canary" && { canary: normalizeCanary(e.canary) }),
    ...(approval && { approval }),
    ...(e.policy && { policy: normalizePolicy(e.policy) }),
    freezeWindows: e.freezeWindows.map((w) => ({
      cron: w.cron,
      durationMs: durationMs(w.duration),
      timezone: w.timezone,
      ...(w.reason !== undefined && { reason: w.reason }),
    })),
    ...(e.dataPlanes && {
      dataPlanes: {
        hosts: e.dataPlanes.hosts.map((h) => ({
          name: h.name,
          admin: h.admin.replace(/\/+$/, ""),
          token: h.token,
          ...(h.upstreamHost !== undefined && { upstreamHost: h.upstreamHost }),
        })),
        quorum: e.dataPlanes.quorum ?? e.dataPlanes.hosts.length,
      },
    }),
    services: ownRecord(
      Object.entries(e.services).map(([service, o]): [string, ServiceOverride] => [
        service,
        {
          ...(o.replicas !== undefined && { replicas: o.replicas }),
          ...(o.env && { env: stringEnv(o.env) }),
          ...(o.routes && {
            routes: o.routes.map((r) => ({ hosts: [...r.hosts], pathPrefix: r.pathPrefix })),
          }),
        },
      ]),
    ),
  };
}

/**
 * An environment is production-like by its name unless slipway.yaml says otherwise: "production",
 * "prod" or "live", alone or as a '-', '_' or '.' separated part ("prod-eu", "eu-production").
 * Only whole parts count, so "productivity" or "prodigy" are not production; "staging", "dev" and
 * "preview" are not.
 * @example isProductionLikeName("prod-eu") // true; isProductionLikeName("staging") // false
 */
export function isProductionLikeName(name: string): boolean {
  return name
    .toLowerCase()
    .split(/[-_.]/)
    .some((part) => part === "production" || part === "prod" || part === "live");
}

function normalizeTriggers(t: RawEnvironment["analysis"]["triggers"]): AnalysisTriggers {
  const out: AnalysisTriggers = {};
  if (t.errorRate !== false)
    out.errorRate = { above: fraction(t.errorRate.above), forMs: durationMs(t.errorRate.for) };
  if (t.latency !== false) {
    out.latency = {
      percentile: t.latency.percentile,
      aboveMs: durationMs(t.latency.above),
      forMs: durationMs(t.latency.for),
    };
  }
  if (t.latencyVsBaseline !== false) {
    out.latencyVsBaseline = {
      percentile: t.latencyVsBaseline.percentile,
      ratio: t.latencyVsBaseline.ratio,
      forMs: durationMs(t.latencyVsBaseline.for),
    };
  }
  if (t.consecutiveHealthFailures !== false) out.consecutiveHealthFailures = t.consecutiveHealthFailures;
  return out;
}

type RawStep =
  | { setWeight: number }
  | { pause: string }
  | { analysis: { metrics?: Record<string, unknown>[] | undefined } };

function normalizeStep(step: RawStep, env: string, index: number, intervalMs: number): CanaryStep {
  if ("setWeight" in step) return { kind: "setWeight", weight: step.setWeight };
  if ("pause" in step)
    return step.pause === "manual"
      ? { kind: "pause", manual: true }
      : { kind: "pause", durationMs: durationMs(step.pause) };
  const written = step.analysis.metrics;
  return {
    kind: "analysis",
    metrics: written
      ? parseMetricDefinitions(written, `environments.${env}.steps[${index}].analysis.metrics`)
      : // One measurement of each default metric over the traffic the canary has had so far.
        defaultCanaryMetrics(intervalMs).map((m) => ({ ...m, run: { ...m.run, count: 1 } })),
  };
}

export function normalizeCanary(c: RawEnvironment["canary"]): CanaryConfig {
  const header = c?.header ?? { name: D.canary.header };
  return {
    ...(header !== false && {
      header: { name: header.name, ...(header.value !== undefined && { value: header.value }) },
    }),
    ...(c?.cookie && {
      cookie: { name: c.cookie.name, ...(c.cookie.value !== undefined && { value: c.cookie.value }) },
    }),
    sticky: c?.sticky ?? D.canary.sticky,
  };
}

/** "5%" → 0.05; numbers are already fractions. */
function fraction(value: number | string): number {
  return typeof value === "number" ? value : Number(value.slice(0, -1)) / 100;
}

function stringEnv(env: Record<string, string | number | boolean>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}
