export {
  ACTIONS,
  ACTION_RULES,
  isAction,
  type Action,
  type ActionRule,
  type EnvironmentAction,
} from "./actions.js";
export { ROLES, ANONYMOUS, atLeast, effectiveRole, isRole, type Principal, type Role } from "./roles.js";
export { can, GLOBAL, type Decision, type EnvironmentAccessRule, type Resource } from "./can.js";
export { matchRoute, ROUTES, type RouteMethod, type RoutePermission } from "./routes.js";
export {
  approvalState,
  castVote,
  requestApproval,
  type ApprovalRequest,
  type ApprovalState,
  type ApprovalVote,
  type VoteOutcome,
  type VoteRefusal,
  type Voter,
} from "./approvals.js";
export {
  checkFreeze,
  isFrozen,
  validateFreezeWindows,
  type FreezeCheck,
  type FreezeStatus,
  type FreezeWindow,
} from "./freeze.js";
export { gateDeploy, type DeployAudit, type DeployGate } from "./deploy-gate.js";
