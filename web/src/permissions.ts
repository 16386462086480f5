import { ACTION_RULES, type Action } from "../../src/core/access/actions.js";
import { atLeast } from "../../src/core/access/roles.js";
import type { Session } from "./types.js";

export type { Action };

/**
 * Whether the signed-in role may perform `action`, by the server's own rules
 * (src/core/access/actions.ts), so the dashboard hides links and buttons that would only answer
 * 403. The server still decides: an environment rule can ask for more than the base role.
 * @example can(session, "read-dead-letters") // false for a viewer
 */
export function can(session: Pick<Session, "user" | "open">, action: Action): boolean {
  if (session.open) return true;
  return atLeast(session.user.role, ACTION_RULES[action].minimumRole);
}
