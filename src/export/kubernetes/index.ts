import type { ProjectConfig } from "../../core/config/types.js";
import { getEnvironment } from "../../core/config/map.js";
import { SlipwayError } from "../../core/errors.js";
import {
  IMAGE_PLACEHOLDER,
  labelsFor,
  type ExportOptions,
  type KubernetesExport,
  type Manifest,
  type Untranslated,
} from "./model.js";
import { exportService } from "./service.js";
import { validateManifests } from "./validate.js";

export type { ExportOptions, FlagFile, KubernetesExport, Manifest, Untranslated } from "./model.js";

/**
 * slipway.yaml's services in one environment as manifests for a cluster running Argo Rollouts and
 * a Gateway API implementation (docs/kubernetes.md). Every object is checked against its published
 * schema before it is returned; what has no equivalent is in `untranslated`.
 */
export async function exportKubernetes(
  config: ProjectConfig,
  options: ExportOptions,
): Promise<KubernetesExport> {
  getEnvironment(config, options.environment);
  for (const service of Object.keys(options.images))
    if (!Object.hasOwn(config.services, service))
      throw new SlipwayError(
        "SLIPWAY_INVALID_ARGUMENT",
        `--image ${service}=…: slipway.yaml has no service "${service}" (services: ${Object.keys(config.services).join(", ")})`,
      );
  const manifests: Manifest[] = [];
  const untranslated: Untranslated[] = [];
  for (const service of Object.keys(config.services)) {
    const image = Object.hasOwn(options.images, service) ? (options.images[service] as string) : undefined;
    if (image === undefined)
      untranslated.push({
        path: `services.${service}`,
        reason: `no image given: the Rollout uses the placeholder ${IMAGE_PLACEHOLDER(service)}`,
        instead: `--image ${service}=REGISTRY/${service}:TAG`,
      });
    const out = exportService(config, service, options, image ?? IMAGE_PLACEHOLDER(service));
    manifests.push(...out.manifests);
    untranslated.push(...out.untranslated);
  }
  if (options.flagFiles.length > 0)
    manifests.push({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: `${config.project.name}-flags`,
        ...(options.namespace !== undefined && { namespace: options.namespace }),
        labels: labelsFor(config.project.name),
      },
      data: Object.fromEntries(options.flagFiles.map((f) => [f.name, f.text])),
    });
  await validateManifests(manifests);
  return { manifests, untranslated: dedupe(untranslated) };
}

/** A setting shared by several services (the environment's) is listed once. */
function dedupe(items: readonly Untranslated[]): Untranslated[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = `${item.path}\u0000${item.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
