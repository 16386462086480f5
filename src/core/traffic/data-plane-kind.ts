/**
 * The data plane providers (`dataPlane:` in slipway.yaml, `--data-plane` on the CLI): Slipway's own
 * proxy (src/traffic/builtin), the zero-install default, or HAProxy driven by Slipway
 * (src/traffic/haproxy).
 */
export const DATA_PLANE_KINDS = ["builtin", "haproxy"] as const;
export type DataPlaneKind = (typeof DATA_PLANE_KINDS)[number];
