import type { BuiltinAction } from "../contract.js";
import { affectedAction } from "./affected.js";
import { downloadArtifactAction, uploadArtifactAction } from "./artifacts.js";
import { cacheAction, cacheRestoreAction, cacheSaveAction } from "./cache.js";
import { checkoutAction } from "./checkout.js";
import { pathsFilterAction } from "./paths-filter.js";
import { setupNodeAction } from "./setup-node.js";

/** Actions Slipway runs natively, looked up by `owner/repo` (case-insensitive) from `uses:`. */
export const BUILTIN_ACTIONS: readonly BuiltinAction[] = [
  checkoutAction,
  setupNodeAction,
  cacheAction,
  cacheRestoreAction,
  cacheSaveAction,
  uploadArtifactAction,
  downloadArtifactAction,
  pathsFilterAction,
  affectedAction,
];

export function findBuiltinAction(uses: string): BuiltinAction | undefined {
  const name = uses.split("@")[0]?.toLowerCase();
  return BUILTIN_ACTIONS.find((action) => action.name.toLowerCase() === name);
}
