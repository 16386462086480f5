import type { MetricDefinition, MetricSource } from "../../core/analysis/definition.js";
import type { JudgeSpec } from "../../core/analysis/evaluate.js";
import { argoDuration, labelsFor, type Manifest, type Untranslated } from "./model.js";

/**
 * Slipway's analysis metrics as an Argo Rollouts AnalysisTemplate. Argo measures one revision at a
 * time, so what judges the canary against the stable revision (ratio, distribution, error-rate)
 * and what reads Slipway's own proxy or process table has no equivalent and is listed instead.
 */

/** Slipway's {{placeholders}} become the template's args; the Rollout passes their values. */
const PLACEHOLDER_ARGS: Readonly<Record<string, string>> = {
  revision: "revision",
  version: "revision",
  service: "service",
  env: "env",
  environment: "env",
};

export interface TemplateTarget {
  name: string;
  project: string;
  service: string;
  /** "environments.production.analysis.metrics" or "….steps[2].analysis.metrics". */
  path: string;
  /** The image a `command` metric runs in (as a Job). */
  image: string;
  namespace?: string;
}

export interface TranslatedTemplate {
  template?: Manifest;
  /** The args the template declares; the Rollout passes them. */
  args: string[];
  untranslated: Untranslated[];
}

export function analysisTemplateFor(
  metrics: readonly MetricDefinition[],
  target: TemplateTarget,
): TranslatedTemplate {
  const untranslated: Untranslated[] = [];
  const args = new Set<string>();
  const withArgs = (text: string) =>
    text.replace(/\{\{\s*([a-zA-Z]+)\s*\}\}/g, (whole, name: string) => {
      const arg = PLACEHOLDER_ARGS[name];
      if (arg === undefined) return whole;
      args.add(arg);
      return `{{args.${arg}}}`;
    });
  const out: Record<string, unknown>[] = [];
  const dryRun: { metricName: string }[] = [];
  metrics.forEach((metric, index) => {
    const where = `${target.path}[${index}]`;
    const skip = (reason: string, instead?: string) =>
      untranslated.push({
        path: where,
        reason: `metric "${metric.name}": ${reason}`,
        ...(instead && { instead }),
      });
    const provider = providerFor(metric.source, target, withArgs, skip);
    if (!provider) return;
    const conditions = conditionsFor(metric.judge, metric.source, skip);
    if (!conditions) return;
    const run = metric.run;
    out.push({
      name: metric.name,
      provider,
      ...conditions,
      ...(run.intervalMs !== undefined && { interval: argoDuration(run.intervalMs) }),
      ...(run.count !== undefined && { count: run.count }),
      ...(run.initialDelayMs !== undefined && { initialDelay: argoDuration(run.initialDelayMs) }),
      ...(run.failureLimit !== undefined && { failureLimit: run.failureLimit }),
      ...(run.inconclusiveLimit !== undefined && { inconclusiveLimit: run.inconclusiveLimit }),
      ...(run.consecutiveErrorLimit !== undefined && { consecutiveErrorLimit: run.consecutiveErrorLimit }),
    });
    if (run.dryRun) dryRun.push({ metricName: metric.name });
    if (run.consecutiveSuccessLimit)
      skip("consecutiveSuccessLimit has no Argo Rollouts equivalent", "use count and failureLimit");
    if (run.onInconclusive && run.onInconclusive !== "pause")
      skip(`onInconclusive: ${run.onInconclusive} has no equivalent: Argo always pauses on inconclusive`);
  });
  if (out.length === 0) return { args: [...args], untranslated };
  const template: Manifest = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "AnalysisTemplate",
    metadata: {
      name: target.name,
      ...(target.namespace !== undefined && { namespace: target.namespace }),
      labels: labelsFor(target.project, target.service),
    },
    spec: {
      ...(args.size > 0 && { args: [...args].sort().map((name) => ({ name })) }),
      metrics: out,
      ...(dryRun.length > 0 && { dryRun }),
    },
  };
  return { template, args: [...args].sort(), untranslated };
}

function providerFor(
  source: MetricSource,
  target: TemplateTarget,
  withArgs: (text: string) => string,
  skip: (reason: string, instead?: string) => void,
): Record<string, unknown> | undefined {
  switch (source.provider) {
    case "prometheus":
      if (source.mode === "range")
        return void skip(
          "range queries are not in the Argo Rollouts schema checked here",
          "write an instant query",
        );
      if (source.headers)
        return void skip("Prometheus headers are not in the Argo Rollouts schema checked here");
      return { prometheus: { address: source.address, query: withArgs(source.query) } };
    case "http":
      if (source.checks?.length)
        return void skip(
          "checks have no equivalent",
          "judge one value with valuePath and a successCondition",
        );
      return {
        web: {
          url: withArgs(source.url),
          method: source.method,
          ...(source.headers && {
            headers: Object.entries(source.headers).map(([key, value]) => ({ key, value: withArgs(value) })),
          }),
          ...(source.body !== undefined && { body: withArgs(source.body) }),
          ...(source.valuePath !== undefined && { jsonPath: `{$.${source.valuePath}}` }),
          ...(source.timeoutMs !== undefined && { timeoutSeconds: Math.ceil(source.timeoutMs / 1000) }),
        },
      };
    case "command":
      if (source.valuePattern !== undefined)
        return void skip("a Job metric passes or fails by its exit code; valuePattern is not read");
      // Argo runs the command as a Job in the service's image: success is exit code 0.
      return {
        job: {
          spec: {
            backoffLimit: 0,
            template: {
              spec: {
                restartPolicy: "Never",
                containers: [
                  {
                    name: "check",
                    image: target.image,
                    command: ["sh", "-c", withArgs(source.command)],
                    ...(source.env && {
                      env: Object.entries(source.env).map(([name, value]) => ({
                        name,
                        value: withArgs(value),
                      })),
                    }),
                  },
                ],
              },
            },
          },
        },
      };
    case "proxy":
      return void skip(
        "it reads Slipway's own proxy, which does not run in Kubernetes",
        "measure the same thing with a prometheus metric over your gateway's or service's request metrics",
      );
    case "resources":
      return void skip(
        "it reads the local processes' CPU and memory",
        "query container_cpu_usage_seconds_total / container_memory_working_set_bytes with a prometheus metric",
      );
  }
}

function conditionsFor(
  judge: JudgeSpec,
  source: MetricSource,
  skip: (reason: string, instead?: string) => void,
): { successCondition?: string; failureCondition?: string } | undefined {
  switch (judge.kind) {
    case "conditions":
      // Slipway's condition language is a subset of the expressions Argo Rollouts evaluates.
      return {
        ...(judge.successCondition !== undefined && { successCondition: judge.successCondition }),
        ...(judge.failureCondition !== undefined && { failureCondition: judge.failureCondition }),
      };
    case "threshold": {
      if (source.provider === "command") return {};
      // Prometheus answers a vector; the web provider the value at jsonPath.
      const value = source.provider === "prometheus" ? "result[0]" : "result";
      const parts = [
        ...(judge.min !== undefined ? [`${value} >= ${judge.min}`] : []),
        ...(judge.max !== undefined ? [`${value} <= ${judge.max}`] : []),
      ];
      return parts.length > 0 ? { successCondition: parts.join(" && ") } : {};
    }
    case "ratio":
    case "distribution":
    case "error-rate":
      return void skip(
        `the ${judge.kind} judge compares the canary with the stable revision; an AnalysisTemplate judges one revision`,
        "write an absolute threshold, or use Argo's Experiment/Kayenta integration",
      );
  }
}
