import { SlipwayError } from "../../core/errors.js";
import type { Manifest } from "./model.js";

type Model = new (data: never) => { validate(): void };

/**
 * The published schemas of each kind we write, through the kubernetes-models validators. Imported
 * when an export runs: compiling them takes seconds, which no other command should pay at start.
 */
async function loadModels(): Promise<Record<string, Model>> {
  const [core, argo, gateway] = await Promise.all([
    import("kubernetes-models/v1"),
    import("@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1"),
    import("@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1"),
  ]);
  return {
    "v1/Service": core.Service,
    "v1/ConfigMap": core.ConfigMap,
    "argoproj.io/v1alpha1/Rollout": argo.Rollout,
    "argoproj.io/v1alpha1/AnalysisTemplate": argo.AnalysisTemplate,
    "gateway.networking.k8s.io/v1/HTTPRoute": gateway.HTTPRoute,
  };
}

/**
 * Throws SLIPWAY_INTERNAL naming each object and what its schema refused. A refusal is a bug
 * in the export (slipway.yaml was valid), so nothing is written.
 */
export async function validateManifests(manifests: readonly Manifest[]): Promise<void> {
  const models = await loadModels();
  const problems: string[] = [];
  for (const manifest of manifests) {
    const id = `${manifest.kind}/${manifest.metadata.name}`;
    const Model = models[`${manifest.apiVersion}/${manifest.kind}`];
    if (!Model) {
      problems.push(`${id}: no schema for ${manifest.apiVersion} ${manifest.kind}`);
      continue;
    }
    try {
      new Model(structuredClone(manifest) as never).validate();
    } catch (error) {
      problems.push(`${id}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0)
    throw new SlipwayError(
      "SLIPWAY_INTERNAL",
      `the exported manifests do not validate (a bug in Slipway's export): ${problems.join("; ")}`,
      { problems },
    );
}
