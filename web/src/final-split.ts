import type { EnvironmentStatus, Rollout, SeriesPoint } from "./types.js";

type Revisions = EnvironmentStatus["revisions"];

/**
 * The traffic a rollout left behind, as WeightsBar revisions: the weights of its last recorded
 * point, else what its outcome implies (promoted: all to the candidate; rolled back or failed: all
 * to the stable revision). Undefined when neither tells (a superseded rollout without a series).
 * Pure.
 */
export function finalSplit(rollout: Rollout, points: SeriesPoint[]): Revisions | undefined {
  const last = points[points.length - 1];
  const sides = [
    { ref: rollout.candidate, weight: last?.weights.candidate ?? null },
    ...(rollout.stable ? [{ ref: rollout.stable, weight: last?.weights.stable ?? null }] : []),
  ];
  if (!last) {
    const to = rollout.outcome ?? rollout.phase;
    const winner =
      to === "promoted"
        ? rollout.candidate
        : to === "rolled-back" || to === "failed"
          ? rollout.stable
          : undefined;
    if (!winner) return undefined;
    return [{ id: winner.id, version: winner.version, weight: 100, instances: [] }];
  }
  return sides
    .filter((s) => (s.weight ?? 0) > 0)
    .map((s) => ({ id: s.ref.id, version: s.ref.version, weight: s.weight ?? 0, instances: [] }));
}
