/** A revision as the core describes it, and the reading of specs stored by earlier versions. */
export type * from "./spec.js";
export { upgradeRevisionSpec } from "./upgrade.js";
