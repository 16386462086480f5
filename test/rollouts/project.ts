/**
 * The generated project of the end-to-end worlds (slipway.yaml and a start script running the
 * fixture app with per-version fault knobs). Its own module, free of the world's imports, so the
 * benchmarks can bundle it.
 */
import { resolve } from "node:path";

export const FIXTURE_APP = resolve(import.meta.dirname, "../fixtures/apps/app.mjs");

/**
 * Start script: applies the knobs of faults.json for SLIPWAY_VERSION (`v2`), then those for one
 * instance of it (`v2#1`, the instance's index), then runs the fixture app.
 */
export const START_SCRIPT = `
import { readFileSync } from "node:fs";
const faults = JSON.parse(readFileSync(new URL("./faults.json", import.meta.url), "utf8"));
const version = process.env.SLIPWAY_VERSION ?? "dev";
const instance = \`\${version}#\${(process.env.SLIPWAY_INSTANCE ?? "").split("#")[1]}\`;
Object.assign(process.env, { VERSION: version }, faults[version] ?? {}, faults[instance] ?? {});
await import(process.env.SLIPWAY_FIXTURE_APP);
`;

/** The `services:` of every generated project: `web`, two replicas of the fixture app. */
export const WEB_SERVICE_YAML = `services:
  web:
    path: web
    start: node start.mjs
    replicas: 2
    env:
      SLIPWAY_FIXTURE_APP: ${FIXTURE_APP}
    readiness:
      http: { path: /healthz }
      period: 200ms
      timeout: 1s
    stopGracePeriod: 2s
`;

export function projectYaml(analysis = "3s", extra = ""): string {
  return `project:
  name: e2e
${WEB_SERVICE_YAML}environments:
  production:
    readinessTimeout: 6s
    scaleDownDelay: 1s
    drainTimeout: 2s
    analysis:
      window: ${analysis}
      interval: 250ms
      minRequests: 10
      triggers:
        errorRate: { above: 5%, for: 2s }
        latency: { percentile: 95, above: 5s, for: 2s }
        latencyVsBaseline: { ratio: 2, percentile: 95, for: 2s }
        consecutiveHealthFailures: 3
${extra}`;
}

/**
 * Happy-path tests switch the baseline-latency trigger off: on a shared CI machine a cold candidate
 * can be 2x slower than the warm stable revision for a moment. The fault-kinds test keeps it on.
 */
export const withoutBaselineTrigger = (yaml: string) =>
  yaml.replace(/latencyVsBaseline: .*/, "latencyVsBaseline: false");
