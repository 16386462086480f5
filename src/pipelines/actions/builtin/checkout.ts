import { existsSync } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { git } from "../../../affected/git.js";
import { addWorktree } from "../../git.js";
import type { ActionContext, BuiltinAction } from "../contract.js";
import { lenientBooleanInput, integerInput, stringInput } from "./inputs.js";

async function mustGit(cwd: string, args: string[]): Promise<string> {
  const out = await git(cwd, args);
  if (out === undefined) throw new Error(`git ${args.join(" ")} failed in ${cwd}`);
  return out.trim();
}

/** The commit `ref` names in the run's repository (branch, tag, full ref or sha). */
async function resolveInRepository(context: ActionContext, ref: string): Promise<string> {
  for (const candidate of [ref, `refs/remotes/origin/${ref}`]) {
    const sha = (
      await git(context.repoRoot, ["rev-parse", "--verify", "--quiet", `${candidate}^{commit}`])
    )?.trim();
    if (sha) return sha;
  }
  throw new Error(`ref ${JSON.stringify(ref)} is not a branch, tag or commit of ${context.repoRoot}`);
}

/**
 * Makes the job's workspace (empty until now, as on GitHub) a git worktree of `sha`: detached,
 * sharing the repository's objects; one a finished job of the run left (checked out and cleaned
 * when taken), when there is one. What a step wrote there before is removed first, as
 * actions/checkout removes a workspace that is not the repository.
 */
async function worktreeInWorkspace(context: ActionContext, sha: string): Promise<void> {
  const workspace = context.workspace;
  for (const entry of await readdir(workspace)) {
    await rm(join(workspace, entry), { recursive: true, force: true, maxRetries: 3 });
  }
  if (await context.reuseWorktree?.(sha)) return;
  await addWorktree(context.repoRoot, workspace, sha);
}

/**
 * `actions/checkout` for the host: the job's workspace becomes a worktree of the run's commit
 * (or of `ref`) the first time; a later checkout only moves it; with `path` it clones into a
 * folder of the workspace. Clones are local and share objects with the repository, so full
 * history is always there (and cheaper than a shallow fetch).
 */
export const checkoutAction: BuiltinAction = {
  name: "actions/checkout",
  inputs: {
    ref: { description: "Branch, tag or SHA to check out; default the run's commit" },
    path: { description: "Directory under the workspace to check out into; default the workspace" },
    "fetch-depth": {
      description: "Accepted: history is always complete on the host (clones share the repository's objects)",
      default: "1",
    },
    clean: { description: "git clean -ffdx and reset --hard before checking out", default: "true" },
    repository: { description: "Only the run's own repository can be checked out on the host" },
    token: { description: "Accepted for compatibility; ignored" },
    "persist-credentials": { description: "Accepted for compatibility; ignored" },
    submodules: { description: "Accepted; submodules are not initialised" },
    lfs: { description: "Accepted; LFS files are not fetched" },
  },
  async run(context) {
    const repository = stringInput(context, "repository");
    const own = context.env.GITHUB_REPOSITORY;
    if (repository !== "" && repository !== own) {
      throw new Error(
        `checking out another repository (${repository}) is not supported on the host: only the run's repository is available`,
      );
    }
    integerInput(context, "fetch-depth", 1); // validated, see the input's description
    const ref = stringInput(context, "ref");
    const sha = ref === "" ? context.github.sha : await resolveInRepository(context, ref);
    const pathInput = stringInput(context, "path");
    const target = resolve(context.workspace, pathInput === "" ? "." : pathInput);
    if (!target.startsWith(context.workspace)) {
      throw new Error(
        `input path ${JSON.stringify(pathInput)} is outside the workspace ${context.workspace}`,
      );
    }

    if (target === context.workspace && !existsSync(resolve(target, ".git"))) {
      await worktreeInWorkspace(context, sha);
      context.log(`Checked out ${ref || "the run's commit"} (${sha}) in the workspace`);
    } else if (target === context.workspace) {
      const current = await mustGit(target, ["rev-parse", "HEAD"]);
      if (lenientBooleanInput(context, "clean", true)) {
        await mustGit(target, ["reset", "--hard", "--quiet"]);
        await mustGit(target, ["clean", "-ffdxq"]);
      }
      if (current !== sha) await mustGit(target, ["checkout", "--quiet", "--force", "--detach", sha]);
      context.log(
        current === sha ? `Workspace already at ${sha}` : `Checked out ${ref} (${sha}) in the workspace`,
      );
    } else {
      await mkdir(target, { recursive: true });
      if ((await readdir(target)).length > 0) {
        if (!existsSync(resolve(target, ".git")))
          throw new Error(`path ${pathInput} exists and is not empty`);
      } else {
        await mustGit(target, ["clone", "--quiet", "--shared", "--no-checkout", context.repoRoot, "."]);
      }
      await mustGit(target, ["checkout", "--quiet", "--force", "--detach", sha]);
      context.log(`Checked out ${ref || "the run's commit"} (${sha}) into ${pathInput}`);
    }
    context.setOutput("ref", ref === "" ? context.github.ref : ref);
    context.setOutput("commit", sha);
  },
};
