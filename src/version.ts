import packageJson from "../package.json" with { type: "json" };

/**
 * Slipway's own version, from package.json (bundled in at build time). Not `$SLIPWAY_VERSION`:
 * that is the version of the app a deployed instance runs (docs/runtime.md), and a `slipway`
 * command run inside such an instance must still name itself.
 */
export const SLIPWAY_VERSION: string = packageJson.version;
