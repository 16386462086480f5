import type { CanaryStep, EnvironmentConfig, ProjectConfig, RouteConfig } from "../../core/config/types.js";
import { serviceIn } from "../../core/config/map.js";
import { analysisTemplateFor } from "./analysis.js";
import { containerFor } from "./container.js";
import type { MetricDefinition } from "../../core/analysis/definition.js";
import {
  argoDuration,
  labelsFor,
  seconds,
  type ExportOptions,
  type Manifest,
  type Untranslated,
} from "./model.js";

/** Where the two revisions of a rollout are reachable: Argo moves these Services' selectors. */
const SERVICE_SUFFIXES = { canary: ["stable", "canary"], "blue-green": ["active", "preview"] } as const;
const GATEWAY_PLUGIN = "argoproj-labs/gatewayAPI";

/** Adds an AnalysisTemplate for `metrics` and answers how a step or strategy refers to it. */
type TemplateFor = (
  name: string,
  metrics: readonly MetricDefinition[],
  where: string,
) => Record<string, unknown> | undefined;

/**
 * One service of one environment: an Argo Rollouts Rollout with the environment's strategy, the
 * two Services it switches, HTTPRoutes for slipway.yaml's routes, and AnalysisTemplates for its
 * analysis metrics and smoke command.
 */
export function exportService(
  config: ProjectConfig,
  service: string,
  options: ExportOptions,
  image: string,
): { manifests: Manifest[]; untranslated: Untranslated[] } {
  const env = config.environments[options.environment] as EnvironmentConfig;
  const svc = serviceIn(config, service, env.name);
  const project = config.project.name;
  const untranslated: Untranslated[] = [];
  const path = `services.${service}`;
  const meta = (name: string) => ({
    name,
    ...(options.namespace !== undefined && { namespace: options.namespace }),
    labels: labelsFor(project, service),
  });
  const [first, second] = SERVICE_SUFFIXES[env.strategy];
  const stableName = `${service}-${first}`;
  const candidateName = `${service}-${second}`;
  const manifests: Manifest[] = [stableName, candidateName].map((name) => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(name),
    spec: {
      selector: { "app.kubernetes.io/name": service },
      ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
    },
  }));

  const templates: Manifest[] = [];
  const template: TemplateFor = (name, metrics, where) => {
    const out = analysisTemplateFor(metrics, {
      name,
      project,
      service,
      path: where,
      image,
      ...(options.namespace !== undefined && { namespace: options.namespace }),
    });
    untranslated.push(...out.untranslated);
    if (!out.template) return undefined;
    templates.push(out.template);
    return {
      templates: [{ templateName: name }],
      ...(out.args.length > 0 && { args: argsFor(out.args, service, env.name) }),
    };
  };
  const envPath = `environments.${env.name}`;
  const analysis = template(`${service}-${env.name}`, env.analysis.metrics, `${envPath}.analysis.metrics`);
  const smoke =
    env.smoke && smokeTemplate(env, service, candidateName, image, meta(`${service}-${env.name}-smoke`));
  if (smoke) templates.push(smoke);
  const smokeStep = smoke && { templates: [{ templateName: smoke.metadata.name }] };
  untranslated.push(...environmentOnly(env, envPath));

  const routes = routeGroups(svc.routes);
  const routeNames = routes.map((_, i) => (i === 0 ? service : `${service}-${i + 1}`));
  let strategy: Record<string, unknown>;
  if (env.strategy === "canary") {
    const steps: Record<string, unknown>[] = [];
    if (env.approval) steps.push({ pause: {} });
    if (smokeStep) steps.push({ analysis: smokeStep });
    if (env.canary?.header && routes.length > 0)
      steps.push({
        setHeaderRoute: {
          name: "canary-header",
          match: [
            {
              headerName: env.canary.header.name,
              headerValue:
                env.canary.header.value !== undefined ? { exact: env.canary.header.value } : { regex: ".+" },
            },
          ],
        },
      });
    (env.steps ?? []).forEach((step, i) => {
      const translated = canaryStep(step, i, `${service}-${env.name}-step-${i + 1}`, template, envPath);
      if (translated) steps.push(translated);
    });
    strategy = {
      canary: {
        stableService: stableName,
        canaryService: candidateName,
        scaleDownDelaySeconds: seconds(env.scaleDownDelayMs),
        // Slipway watches a canary from its first weight above 0 on.
        ...(analysis && {
          analysis: { ...analysis, startingStep: Math.max(0, steps.findIndex(takesTraffic)) },
        }),
        ...(routes.length > 0 && {
          trafficRouting: {
            ...(env.canary?.header && { managedRoutes: [{ name: "canary-header" }] }),
            plugins: {
              [GATEWAY_PLUGIN]: {
                httpRoutes: routeNames.map((name, i) => ({ name, useHeaderRoutes: i === 0 })),
                ...(options.namespace !== undefined && { namespace: options.namespace }),
              },
            },
          },
        }),
        steps,
      },
    };
    if (routes.length === 0)
      untranslated.push({
        path: `${path}.routes`,
        reason: "without a route there is no HTTPRoute to split: Argo approximates weights by pod counts",
      });
    if (env.canary?.cookie)
      untranslated.push({
        path: `${envPath}.canary.cookie`,
        reason: "the Gateway API plugin routes by header only",
      });
    if (env.canary?.sticky)
      untranslated.push({
        path: `${envPath}.canary.sticky`,
        reason: "weighted HTTPRoute backends are not sticky",
        instead: "a session-affinity policy of your Gateway implementation",
      });
  } else {
    strategy = {
      blueGreen: {
        activeService: stableName,
        previewService: candidateName,
        autoPromotionEnabled: env.approval === undefined,
        scaleDownDelaySeconds: seconds(env.scaleDownDelayMs),
        ...(smokeStep && { prePromotionAnalysis: smokeStep }),
        ...(analysis && { postPromotionAnalysis: analysis }),
      },
    };
  }

  manifests.push({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: meta(service),
    spec: {
      replicas: svc.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: { "app.kubernetes.io/name": service } },
      template: {
        metadata: { labels: labelsFor(project, service) },
        spec: {
          terminationGracePeriodSeconds: seconds(Math.max(svc.stopGraceMs, env.drainTimeoutMs)),
          containers: [
            containerFor(svc, image, processEnv(project, service, env.name, svc.env), path, untranslated),
          ],
        },
      },
      strategy,
    },
  });
  routes.forEach((group, i) =>
    manifests.push(
      httpRoute(
        meta(routeNames[i] as string),
        group,
        options,
        stableName,
        env.strategy === "canary" ? candidateName : undefined,
        svc.traffic.tryTimeoutMs,
      ),
    ),
  );
  const t = svc.traffic;
  if (t.retries > 0 || t.maxConnections > 0 || t.outlier.consecutiveErrors > 0)
    untranslated.push({
      path: `${path}.traffic`,
      reason: "retries, connection limits and outlier ejection are not part of the Gateway API's HTTPRoute",
      instead: "your Gateway implementation's backend policy (e.g. Envoy Gateway's BackendTrafficPolicy)",
    });
  return { manifests: [...manifests, ...templates], untranslated };
}

function canaryStep(
  step: CanaryStep,
  index: number,
  name: string,
  template: TemplateFor,
  envPath: string,
): Record<string, unknown> | undefined {
  switch (step.kind) {
    case "setWeight":
      return { setWeight: step.weight };
    case "pause":
      return "manual" in step ? { pause: {} } : { pause: { duration: argoDuration(step.durationMs) } };
    case "analysis": {
      const analysis = template(name, step.metrics, `${envPath}.steps[${index}].analysis.metrics`);
      return analysis && { analysis };
    }
  }
}

const takesTraffic = (step: Record<string, unknown>) =>
  typeof step.setWeight === "number" && step.setWeight > 0;

/** Argo passes these to every template that uses Slipway's placeholders. */
function argsFor(args: readonly string[], service: string, environment: string) {
  return args.map((name) =>
    name === "revision"
      ? { name, valueFrom: { podTemplateHashValue: "Latest" } }
      : { name, value: name === "service" ? service : environment },
  );
}

/** The variables Slipway gives every instance, but the version's: the image tag carries it. */
function processEnv(project: string, service: string, environment: string, env: Record<string, string>) {
  return { ...env, SLIPWAY_PROJECT: project, SLIPWAY_SERVICE: service, SLIPWAY_ENVIRONMENT: environment };
}

/** The smoke command as a Job metric against the candidate's Service. */
function smokeTemplate(
  env: EnvironmentConfig,
  service: string,
  candidateService: string,
  image: string,
  metadata: Manifest["metadata"],
): Manifest | undefined {
  const smoke = env.smoke;
  if (!smoke) return undefined;
  const host = metadata.namespace ? `${candidateService}.${metadata.namespace}.svc` : candidateService;
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "AnalysisTemplate",
    metadata,
    spec: {
      metrics: [
        {
          name: "smoke",
          provider: {
            job: {
              spec: {
                backoffLimit: 0,
                activeDeadlineSeconds: seconds(smoke.timeoutMs, 1),
                template: {
                  spec: {
                    restartPolicy: "Never",
                    containers: [
                      {
                        name: "smoke",
                        image,
                        command: ["sh", "-c", smoke.command],
                        env: [{ name: "SLIPWAY_PREVIEW_URL", value: `http://${host}` }],
                      },
                    ],
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

/** Settings of the environment that only Slipway's controller carries out. */
function environmentOnly(env: EnvironmentConfig, path: string): Untranslated[] {
  const out: Untranslated[] = [];
  const t = env.analysis.triggers;
  const triggers = Object.keys(t).filter((k) => t[k as keyof typeof t] !== undefined);
  if (triggers.length > 0)
    out.push({
      path: `${path}.analysis.triggers`,
      reason: `${triggers.join(", ")} read Slipway's own proxy`,
      instead:
        "the same limits as prometheus metrics in analysis.metrics, over your gateway's request metrics",
    });
  if (env.freezeWindows.length > 0)
    out.push({
      path: `${path}.freezeWindows`,
      reason: "Argo Rollouts has no freeze windows",
      instead: "gate `kubectl apply` in your pipeline",
    });
  if (env.approval?.approvers.length)
    out.push({
      path: `${path}.approval.approvers`,
      reason: "the rollout pauses for approval, but who may promote is Kubernetes RBAC",
      instead: "grant `kubectl argo rollouts promote` (patch on rollouts) to the approvers only",
    });
  if (env.watch.rollback && env.strategy === "canary")
    out.push({
      path: `${path}.watch`,
      reason: "Argo Rollouts stops analysing a canary once it is promoted",
    });
  if (env.deploy.branches.length + env.deploy.tags.length > 0)
    out.push({
      path: `${path}.deploy`,
      reason: "which refs deploy is your pipeline's decision once manifests are applied by it",
    });
  if (env.preview)
    out.push({
      path: `${path}.preview`,
      reason: "the signed x-slipway-revision header is Slipway's proxy's",
      instead: "reach the candidate through its Service (…-canary / …-preview)",
    });
  return out;
}

/** slipway.yaml routes grouped by host set: an HTTPRoute has one list of hostnames. */
function routeGroups(routes: readonly RouteConfig[]): { hosts: string[]; prefixes: string[] }[] {
  const groups = new Map<string, { hosts: string[]; prefixes: string[] }>();
  for (const route of routes) {
    const key = [...route.hosts].sort().join(",");
    const group = groups.get(key) ?? { hosts: [...route.hosts].sort(), prefixes: [] };
    group.prefixes.push(route.pathPrefix);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function httpRoute(
  metadata: Manifest["metadata"],
  group: { hosts: string[]; prefixes: string[] },
  options: ExportOptions,
  stable: string,
  canary: string | undefined,
  tryTimeoutMs: number,
): Manifest {
  const backend = (name: string, weight: number) => ({ name, port: 80, weight });
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata,
    spec: {
      parentRefs: [
        {
          name: options.gateway.name,
          ...(options.gateway.namespace !== undefined && { namespace: options.gateway.namespace }),
        },
      ],
      ...(group.hosts.length > 0 && { hostnames: group.hosts }),
      rules: [
        {
          matches: group.prefixes.map((value) => ({ path: { type: "PathPrefix", value } })),
          // Argo Rollouts' plugin sets these weights during a canary; stable takes all at rest.
          backendRefs: canary ? [backend(stable, 100), backend(canary, 0)] : [backend(stable, 1)],
          timeouts: { backendRequest: argoDuration(tryTimeoutMs) },
        },
      ],
    },
  };
}
