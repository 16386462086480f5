/**
 * Metric providers behind one port. `createMetricProvider` answers any MetricSpec by its
 * `provider` field, so the analysis runner holds a single MetricProvider<MetricSpec>.
 */
import { CommandProvider, type CommandSpec } from "./command/command-provider.js";
import { HttpProbeProvider, type HttpProbeSpec } from "./http-probe/http-probe-provider.js";
import { PrometheusProvider, type PrometheusSpec } from "./prometheus/prometheus-provider.js";
import type { MetricSource } from "../core/analysis/definition.js";
import {
  MetricQueryError,
  type MetricProvider,
  type MetricSample,
  type MetricWindow,
  type TemplateVars,
} from "./provider.js";
import {
  ProxyStatsProvider,
  type ProxyStatsSpec,
  type RevisionStatsSource,
} from "./proxy-stats/proxy-stats-provider.js";
import {
  ResourcesProvider,
  type ResourcesSource,
  type ResourcesSpec,
} from "./resources/resources-provider.js";

export type MetricSpec = PrometheusSpec | HttpProbeSpec | CommandSpec | ProxyStatsSpec | ResourcesSpec;

/** A validated metric source (core/analysis/definition.ts) plus the revision's template values. */
export function specFor(source: MetricSource, vars: TemplateVars): MetricSpec {
  return { ...source, vars };
}

export interface MetricProviderDeps {
  /** The proxy's stats (admin API); without it, proxy metrics are a bad-spec error. */
  proxyStats?: RevisionStatsSource | ProxyStatsProvider;
  /** The runtime; without it, resource metrics are a bad-spec error. */
  resources?: ResourcesSource;
  now?: () => number;
}

export function createMetricProvider(
  deps: MetricProviderDeps = {},
): MetricProvider<MetricSpec> & { proxy?: ProxyStatsProvider } {
  const now = deps.now ?? Date.now;
  const prometheus = new PrometheusProvider();
  const http = new HttpProbeProvider(now);
  const command = new CommandProvider(now);
  const proxy =
    deps.proxyStats instanceof ProxyStatsProvider
      ? deps.proxyStats
      : deps.proxyStats
        ? new ProxyStatsProvider(deps.proxyStats, now)
        : undefined;
  const resources = deps.resources ? new ResourcesProvider(deps.resources, now) : undefined;
  return {
    ...(proxy ? { proxy } : {}),
    query(spec: MetricSpec, window: MetricWindow): Promise<MetricSample> {
      switch (spec.provider) {
        case "prometheus":
          return prometheus.query(spec, window);
        case "http":
          return http.query(spec, window);
        case "command":
          return command.query(spec, window);
        case "proxy":
          if (!proxy)
            return Promise.reject(
              new MetricQueryError(
                "bad-spec",
                "proxy metrics are not available here (no proxy stats source)",
              ),
            );
          return proxy.query(spec, window);
        case "resources":
          if (!resources)
            return Promise.reject(
              new MetricQueryError("bad-spec", "resource metrics are not available here (no runtime)"),
            );
          return resources.query(spec, window);
        default: {
          const never: never = spec;
          return Promise.reject(
            new MetricQueryError("bad-spec", `unknown metric provider ${JSON.stringify(never)}`),
          );
        }
      }
    },
  };
}

export {
  CommandProvider,
  HttpProbeProvider,
  PrometheusProvider,
  ProxyStatsProvider,
  ResourcesProvider,
  MetricQueryError,
};
export type {
  CommandSpec,
  HttpProbeSpec,
  PrometheusSpec,
  ProxyStatsSpec,
  ResourcesSpec,
  RevisionStatsSource,
  ResourcesSource,
  MetricProvider,
  MetricSample,
  MetricWindow,
};
export { isMetricQueryError, type MetricQueryFailure } from "./provider.js";
export type { TemplateVars };
