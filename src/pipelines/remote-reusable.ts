import { join } from "node:path";
import { SlipwayError } from "../core/errors.js";
import { loadWorkflow, MAX_CALL_DEPTH, type LoadedJob, type LoadedWorkflow } from "./load.js";
import type { RunScope } from "./run-scope.js";

/**
 * Another repository's reusable workflow (`jobs.<id>.uses: owner/repo/.github/workflows/x.yml@ref`),
 * fetched when its calling job is reached, as GitHub fetches it: the ref resolved on the actions
 * server and the commit kept in the actions cache like a remote action's (remote-actions.ts), then
 * loaded like a local one; its own `./` calls are read from that repository.
 */
export async function loadRemoteReusable(
  scope: Pick<RunScope, "remoteActions">,
  remote: NonNullable<LoadedJob["remoteCall"]>,
): Promise<LoadedWorkflow> {
  const { use, depth } = remote;
  if (depth + 1 > MAX_CALL_DEPTH)
    throw new SlipwayError(
      "SLIPWAY_UNSUPPORTED",
      `reusable workflows nest deeper than ${MAX_CALL_DEPTH} levels`,
    );
  // The repository's root, not the file: `get` appends the path it was given.
  const { dir: root } = await scope.remoteActions.get({ ...use, path: "" }, () => undefined);
  const callee = await loadWorkflow(
    join(root, use.path),
    { repoRoot: root, label: (path) => `${use.owner}/${use.repo}/${path}@${use.ref}` },
    depth + 1,
  );
  if (!("workflow_call" in callee.on))
    throw new SlipwayError("SLIPWAY_INVALID_WORKFLOW", "it is not triggered by workflow_call");
  return callee;
}
