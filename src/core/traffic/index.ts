/**
 * What the control plane and every data plane say to each other, whichever data plane it is
 * (src/traffic/port.ts): the complete route table it applies and the per-revision stats it reports.
 */
export { LATENCY_BUCKETS_MS, mergeStats, type RevisionStats } from "./revision-stats.js";
export {
  describeShortfall,
  environmentOfRoute,
  isLoopbackHost,
  shortfalls,
  tableForHost,
  type Acknowledged,
  type DataPlaneHostStatus,
  type EnvironmentPlanes,
  type Shortfall,
} from "./data-planes.js";
export {
  DEFAULT_TRAFFIC_POLICY,
  type CanaryRouting,
  type Route,
  type RouteRevision,
  type RouteTable,
  type TrafficPolicy,
  type Upstream,
} from "./route-table.js";
export { DATA_PLANE_KINDS, type DataPlaneKind } from "./data-plane-kind.js";
