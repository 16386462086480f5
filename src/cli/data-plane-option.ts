import { SlipwayError } from "../core/errors.js";
import { DATA_PLANE_KINDS, type DataPlaneKind } from "../core/traffic/index.js";

/** `--data-plane <kind>`: one of the providers, or a clear error listing them. */
export function parseDataPlane(value: string): DataPlaneKind {
  if ((DATA_PLANE_KINDS as readonly string[]).includes(value)) return value as DataPlaneKind;
  throw new SlipwayError(
    "SLIPWAY_INVALID_ARGUMENT",
    `--data-plane must be one of ${DATA_PLANE_KINDS.join(", ")}, got "${value}"`,
  );
}
