import { ACTION_RULES, type Action } from "../../src/core/access/actions.js";
import { atLeast } from "../../src/core/access/roles.js";
import type { Session } from "./types.js";

/**
 * Whether the signed-in user's role may perform a global action (start, re-run or cancel a run):
 * the least role comes from the server's own rule table, so a button is offered exactly to the
 * roles the server accepts. The server still decides (per-token scopes, environment rules).
 */
export function may(session: Session, action: Action): boolean {
  if (session.open) return true;
  return atLeast(session.user.role, ACTION_RULES[action].minimumRole);
}
