import type { TriggerEvent } from "../core/workflow/triggers.js";
import { mergePayload, synthesizePayload } from "./event-payload.js";
import {
  branchCommit,
  changedFiles,
  defaultBranch,
  filesOfCommit,
  mergeBase,
  parentOf,
  repositoryName,
  resolveCommit,
  resolveRef,
  type ResolvedRef,
} from "./git.js";
import { SlipwayError } from "../core/errors.js";
import type { RunOptions } from "./run-options.js";

/** The event that starts a run, as git resolves it: commits, refs and the changed files. */
export interface TriggerInfo {
  event: TriggerEvent;
  sha: string;
  ref: string;
  baseSha: string | undefined;
  /** `owner/name` from the origin remote, else `local/<dir name>` (see repositoryName). */
  repository: string;
  /** The payload as GitHub would deliver it: built from git, with `--event-file`'s values on top. */
  payload: Record<string, unknown>;
  headRef: string;
  baseRef: string;
}

/**
 * Resolves the event's ref and the base to diff against (the merge base with the target branch
 * for a pull request, the `before` commit or the parent for a push, `--base` when given), lists
 * the changed files that `paths:` filters match, and builds the event payload.
 */
export function describeTrigger(
  repoRoot: string,
  eventName: string,
  options: Pick<RunOptions, "eventPayload" | "ref" | "base" | "sha">,
): TriggerInfo {
  const given = options.eventPayload ?? {};
  const pr = given.pull_request as
    { head?: { ref?: string }; base?: { ref?: string; sha?: string }; number?: number } | undefined;
  const refFromPayload = eventName === "push" && typeof given.ref === "string" ? given.ref : undefined;
  const resolved =
    options.sha === undefined
      ? resolveRef(repoRoot, options.ref ?? refFromPayload)
      : pinnedCommit(repoRoot, options.sha, options.ref ?? refFromPayload);
  const mainBranch = defaultBranch(repoRoot);
  let baseSha: string | undefined;
  let headRef = "";
  let baseRef = "";
  let ref = resolved.ref;
  let changedFilesProblem: string | undefined;
  if (eventName === "pull_request") {
    headRef = pr?.head?.ref ?? resolved.ref.replace(/^refs\/heads\//, "");
    const baseIsBranch = options.base !== undefined && !/^[0-9a-f]{7,40}$/.test(options.base);
    baseRef = pr?.base?.ref ?? (baseIsBranch ? (options.base as string) : (mainBranch ?? ""));
    ref = `refs/pull/${pr?.number ?? 1}/merge`;
    const target =
      options.base !== undefined
        ? safeCommit(repoRoot, options.base)
        : (safeCommit(repoRoot, pr?.base?.sha) ?? (baseRef ? branchCommit(repoRoot, baseRef) : undefined));
    baseSha = target ? mergeBase(repoRoot, target, resolved.sha) : undefined;
    if (!baseSha) {
      changedFilesProblem = baseRef
        ? `the pull request's base branch '${baseRef}' has no commit here (neither a local branch nor origin/${baseRef}); pass --base REV`
        : "the repository's default branch is unknown (no origin/HEAD, init.defaultBranch, main or master); pass --base REV";
    }
  } else if (options.base !== undefined) {
    baseSha = resolveCommit(repoRoot, options.base);
  } else if (eventName === "push") {
    const before = typeof given.before === "string" && !/^0+$/.test(given.before) ? given.before : undefined;
    baseSha = before ? safeCommit(repoRoot, before) : parentOf(repoRoot, resolved.sha);
  }
  // Without a base (a root commit, a new branch), a push changes every file of its commit.
  const changed =
    changedFilesProblem !== undefined
      ? undefined
      : baseSha
        ? changedFiles(repoRoot, baseSha, resolved.sha)
        : filesOfCommit(repoRoot, resolved.sha);
  const repository = repositoryName(repoRoot);
  const synthesized = synthesizePayload(eventName, {
    repoRoot,
    repository,
    defaultBranch: mainBranch,
    sha: resolved.sha,
    ref: resolved.ref,
    baseSha: eventName === "pull_request" ? (target(baseSha, repoRoot, baseRef) ?? baseSha) : baseSha,
    headRef,
    baseRef,
  });
  const payload = mergePayload(synthesized, given);
  const action = typeof payload.action === "string" ? payload.action : undefined;
  return {
    event: {
      name: eventName,
      ref: eventName === "pull_request" ? resolved.ref : ref,
      baseRef,
      ...(action ? { action } : {}),
      ...(changed ? { changedFiles: changed } : {}),
      ...(changedFilesProblem ? { changedFilesProblem } : {}),
    },
    sha: resolved.sha,
    ref,
    baseSha,
    repository,
    payload,
    headRef,
    baseRef,
  };
}

/** A re-run: the commit the first run had, under the ref it ran for (which may have moved or gone). */
function pinnedCommit(repoRoot: string, sha: string, ref: string | undefined): ResolvedRef {
  const commit = safeCommit(repoRoot, sha);
  if (!commit) {
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `commit ${sha} is not in the repository (any more)`);
  }
  return { sha: commit, ref: ref ?? commit };
}

/** The base branch's tip (what GitHub shows as pull_request.base.sha), else the merge base. */
function target(mergeBaseSha: string | undefined, repoRoot: string, baseRef: string): string | undefined {
  return (baseRef ? branchCommit(repoRoot, baseRef) : undefined) ?? mergeBaseSha;
}

function safeCommit(repoRoot: string, rev: string | undefined): string | undefined {
  if (rev === undefined) return undefined;
  try {
    return resolveCommit(repoRoot, rev);
  } catch {
    return undefined;
  }
}
