/** slipway.yaml for canary e2e tests: the world.ts project with strategy canary and short timings. */
import { FIXTURE_APP } from "./world.js";

export interface CanaryYaml {
  /** YAML list items under `steps:` (indented 6). */
  steps: string[];
  /** `analysis.metrics` items (indented 8); none = the default canary metrics. */
  metrics?: string[];
  /** The error-rate trigger (`false` so that only the analysis can abort). */
  errorRateTrigger?: string;
}

/**
 * A background metric for the tests: the canary's 5xx share from the proxy, every 250ms, waiting
 * through too little traffic (it must never pause a good canary, only abort a bad one).
 */
export const ERROR_RATE_METRIC =
  "- { name: error rate, provider: proxy, judge: threshold, statistic: error-rate, max: 0.05, minSamples: 10, unit: ratio, interval: 250ms, onInconclusive: wait, inconclusiveLimit: 100000 }";

export function canaryYaml(c: CanaryYaml): string {
  const metrics = c.metrics ?? [ERROR_RATE_METRIC];
  return `project:
  name: e2e-canary
services:
  web:
    path: web
    start: node start.mjs
    replicas: 1
    env:
      SLIPWAY_FIXTURE_APP: ${FIXTURE_APP}
    readiness:
      http: { path: /healthz }
      period: 200ms
      timeout: 1s
    stopGracePeriod: 2s
environments:
  production:
    strategy: canary
    readinessTimeout: 6s
    scaleDownDelay: 1s
    drainTimeout: 2s
    steps:
${c.steps.map((s) => `      ${s}`).join("\n")}
    analysis:
      window: 3s
      interval: 250ms
      minRequests: 10
      triggers:
        errorRate: ${c.errorRateTrigger ?? "{ above: 5%, for: 2s }"}
        latency: { percentile: 95, above: 5s, for: 2s }
        latencyVsBaseline: false
        consecutiveHealthFailures: 3
      metrics:
${metrics.map((m) => `        ${m}`).join("\n")}
`;
}
