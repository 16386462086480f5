/**
 * What `slipway export kubernetes` produces: plain manifests (validated against the Kubernetes,
 * Argo Rollouts and Gateway API schemas before they are written) and, beside them, every setting
 * of slipway.yaml that has no Kubernetes equivalent — listed, never dropped silently.
 */

/** One Kubernetes object as it is written to YAML. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** A setting that was not translated, where it is in slipway.yaml, and what to do instead. */
export interface Untranslated {
  /** A path in slipway.yaml, e.g. "environments.production.freezeWindows". */
  path: string;
  reason: string;
  instead?: string;
}

export interface KubernetesExport {
  manifests: Manifest[];
  untranslated: Untranslated[];
}

/** A flag file of the project, as flagd reads it (JSON or YAML), keyed by its file name. */
export interface FlagFile {
  name: string;
  text: string;
}

export interface ExportOptions {
  environment: string;
  /** Container image per service; a service without one gets IMAGE_PLACEHOLDER and is listed. */
  images: Readonly<Record<string, string>>;
  namespace?: string;
  /** The Gateway the HTTPRoutes attach to. */
  gateway: { name: string; namespace?: string };
  flagFiles: readonly FlagFile[];
}

/** The port every container listens on; Slipway passes it in PORT as it does to local processes. */
export const CONTAINER_PORT = 8080;

export const IMAGE_PLACEHOLDER = (service: string) => `${service}:REPLACE-WITH-YOUR-IMAGE`;

/** Labels every object carries, so `kubectl get -l app.kubernetes.io/part-of=PROJECT` finds them. */
export function labelsFor(project: string, service?: string): Record<string, string> {
  return {
    "app.kubernetes.io/part-of": project,
    "app.kubernetes.io/managed-by": "slipway-export",
    ...(service !== undefined && { "app.kubernetes.io/name": service }),
  };
}

/** Kubernetes durations are whole seconds; a positive setting never rounds down to 0. */
export const seconds = (ms: number, min = 0): number => Math.max(min, Math.ceil(ms / 1000));

/** Argo Rollouts duration strings ("30s", "5m"). */
export const argoDuration = (ms: number): string =>
  ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${seconds(ms, 1)}s`;
