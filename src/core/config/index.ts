/** slipway.yaml, pure: schema, defaults, and the mapping to the runtime's and proxy's contracts. */
export { CONFIG_DEFAULTS, SMOKE_URL_ENV } from "./defaults.js";
export { parseDuration } from "../duration.js";
export { projectConfigSchema, type RawProjectConfig } from "./schema.js";
export { RUNTIME_KINDS } from "./runtime.js";
export { isProductionLikeName, normalizeConfig } from "./normalize.js";
export {
  getEnvironment,
  getService,
  revisionIdFor,
  revisionSpecFor,
  routeIdFor,
  routesFor,
  serviceIn,
  trafficPolicyFor,
  type ReleaseRef,
} from "./map.js";
export type * from "./types.js";
