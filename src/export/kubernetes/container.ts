import type { Probe } from "../../core/revision/spec.js";
import type { ServiceConfig } from "../../core/config/types.js";
import { CONTAINER_PORT, seconds, type Untranslated } from "./model.js";

/**
 * The service's container: `start` as its command, PORT and slipway.yaml's env, the probes. The
 * image is built from the service's folder by the team's own pipeline (`build` runs there).
 */
export function containerFor(
  svc: ServiceConfig,
  image: string,
  env: Record<string, string>,
  path: string,
  untranslated: Untranslated[],
): Record<string, unknown> {
  if (svc.build !== undefined)
    untranslated.push({
      path: `${path}.build`,
      reason: "builds run when the image is built, not in the cluster",
      instead: `run "${svc.build}" in the Dockerfile of ${svc.path}`,
    });
  return {
    name: svc.name,
    image,
    command: ["sh", "-c", svc.start],
    ports: [{ name: "http", containerPort: CONTAINER_PORT, protocol: "TCP" }],
    env: Object.entries({ ...env, PORT: String(CONTAINER_PORT) }).map(([name, value]) => ({ name, value })),
    readinessProbe: probeFor(svc.readiness, "readiness", `${path}.readiness`, untranslated),
    ...(svc.liveness && {
      livenessProbe: probeFor(svc.liveness, "liveness", `${path}.liveness`, untranslated),
    }),
  };
}

function probeFor(
  probe: Probe,
  kind: "readiness" | "liveness",
  path: string,
  untranslated: Untranslated[],
): Record<string, unknown> {
  const check = probe.check;
  if (check.kind === "http" && check.expectStatus?.some((s) => s < 200 || s > 399))
    untranslated.push({
      path: `${path}.expectStatus`,
      reason: "Kubernetes counts 200–399 as healthy and nothing else",
    });
  // Kubernetes requires successThreshold 1 for liveness probes.
  if (kind === "liveness" && probe.successThreshold !== 1)
    untranslated.push({
      path: `${path}.successThreshold`,
      reason: "a liveness probe succeeds after 1 success",
    });
  return {
    ...(check.kind === "http"
      ? { httpGet: { path: check.path, port: "http" } }
      : check.kind === "tcp"
        ? { tcpSocket: { port: "http" } }
        : { exec: { command: ["sh", "-c", check.command] } }),
    initialDelaySeconds: seconds(probe.initialDelayMs),
    periodSeconds: seconds(probe.periodMs, 1),
    timeoutSeconds: seconds(probe.timeoutMs, 1),
    successThreshold: kind === "liveness" ? 1 : probe.successThreshold,
    failureThreshold: probe.failureThreshold,
  };
}
