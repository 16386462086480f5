/**
 * The allocation an experiment expects, read from its flag's targeting when that is a top-level
 * `fractional` split (flagd: `{"fractional": [[variant, weight], …]}`, optionally after a
 * bucketing expression). Undefined when the flag splits otherwise: the caller must then say.
 */
export function allocationOfTargeting(targeting: unknown): Record<string, number> | undefined {
  if (targeting === null || typeof targeting !== "object" || Array.isArray(targeting)) return undefined;
  const fractional = (targeting as Record<string, unknown>).fractional;
  if (!Array.isArray(fractional)) return undefined;
  const allocation: Record<string, number> = {};
  for (const entry of fractional) {
    if (!Array.isArray(entry)) continue; // the optional bucketing expression
    const [variant, weight] = entry as unknown[];
    if (typeof variant !== "string") return undefined;
    // flagd gives a variant without a weight weight 1.
    allocation[variant] = (allocation[variant] ?? 0) + (typeof weight === "number" ? weight : 1);
  }
  return Object.keys(allocation).length >= 2 ? allocation : undefined;
}
