import type { Principal } from "../core/access/roles.js";

/**
 * Who the audit trail names for a request: the user's or token's name, which people can read in
 * `slipway history` and the dashboard (user names are unique; approval checks compare both the
 * caller's id and name with the requester, so a shared token name can only refuse, never allow).
 */
export function actorOf(principal: Principal): string {
  return principal.kind === "anonymous" ? "anonymous" : principal.name;
}
