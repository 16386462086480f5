import type { BuiltinAction } from "../contract.js";

/** Actions Slipway runs natively, looked up by `owner/repo` (case-insensitive) from `uses:`. */
export const BUILTIN_ACTIONS: readonly BuiltinAction[] = [];

export function findBuiltinAction(uses: string): BuiltinAction | undefined {
  const name = uses.split("@")[0]?.toLowerCase();
  return BUILTIN_ACTIONS.find((action) => action.name.toLowerCase() === name);
}
