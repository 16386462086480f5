/** Releases: immutable builds of a service at a version (see docs/releases.md). */
export {
  ReleaseBuilder,
  releaseDirFor,
  type EnsureReleaseRequest,
  type ReleaseBuilderOptions,
} from "./builder.js";
export { digestDirectory } from "./digest.js";
export { WORKING_TREE } from "./export.js";
export type { Release, ReleaseStatus } from "../core/release/types.js";
export type { ReleaseStore } from "../store/ports/release-store.js";
export {
  applyRelease,
  planRelease,
  type AppliedRelease,
  type ReleasePlan,
  type ReleaseRequest,
} from "./cut.js";
