import type { TriggerEvent } from "../core/workflow/triggers.js";
import {
  eventCommits,
  mergePayload,
  pushedHead,
  synthesizePayload,
  type PayloadFacts,
} from "./event-payload.js";
import {
  branchCommit,
  changedFiles,
  filesOfCommit,
  mergeBase,
  parentOf,
  repositoryName,
  resolveCommit,
  resolveRef,
  type ResolvedRef,
} from "./git.js";
import { SlipwayError } from "../core/errors.js";
import { repositoryFacts } from "./repository-facts.js";
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
  /** The head commit's author (`github.actor`). */
  author: string;
}

/**
 * Resolves the event's ref and the base to diff against (the merge base with the target branch
 * for a pull request, the `before` commit or the parent for a push, `--base` when given), lists
 * the changed files that `paths:` filters match, and builds the event payload. Questions that do
 * not depend on each other's answers go to git at once.
 */
export async function describeTrigger(
  repoRoot: string,
  eventName: string,
  options: Pick<RunOptions, "eventPayload" | "ref" | "base" | "sha">,
): Promise<TriggerInfo> {
  const given = options.eventPayload ?? {};
  const pr = given.pull_request as
    { head?: { ref?: string }; base?: { ref?: string; sha?: string }; number?: number } | undefined;
  const refFromPayload = eventName === "push" && typeof given.ref === "string" ? given.ref : undefined;
  const before = typeof given.before === "string" && !/^0+$/.test(given.before) ? given.before : undefined;
  const known = repositoryFacts(repoRoot);
  // The usual push (HEAD, from its parent) is described by one git process, beside those asking
  // for the repository's settings (in a server, kept between runs: repository-facts.ts).
  const ofHead =
    eventName === "push" &&
    options.sha === undefined &&
    options.ref === undefined &&
    refFromPayload === undefined &&
    options.base === undefined &&
    before === undefined;
  const [head, { defaultBranch: mainBranch }, repository] = await Promise.all([
    ofHead ? pushedHead(repoRoot) : undefined,
    known,
    repositoryName(
      repoRoot,
      known.then((facts) => facts.settings),
    ),
  ]);
  // A merge's push also has the merged branch's commits, and an unborn HEAD no commit: asked below.
  const pushed = head && head.parents.length <= 1 ? head : undefined;
  const resolved: ResolvedRef = pushed
    ? { sha: pushed.sha, ref: pushed.ref, parent: pushed.parents[0] ?? null }
    : options.sha === undefined
      ? await resolveRef(repoRoot, options.ref ?? refFromPayload)
      : await pinnedCommit(repoRoot, options.sha, options.ref ?? refFromPayload);
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
        ? await safeCommit(repoRoot, options.base)
        : ((await safeCommit(repoRoot, pr?.base?.sha)) ??
          (baseRef ? await branchCommit(repoRoot, baseRef) : undefined));
    baseSha = target ? await mergeBase(repoRoot, target, resolved.sha) : undefined;
    if (!baseSha) {
      changedFilesProblem = baseRef
        ? `the pull request's base branch '${baseRef}' has no commit here (neither a local branch nor origin/${baseRef}); pass --base REV`
        : "the repository's default branch is unknown (no origin/HEAD, init.defaultBranch, main or master); pass --base REV";
    }
  } else if (options.base !== undefined) {
    baseSha = await resolveCommit(repoRoot, options.base);
  } else if (eventName === "push") {
    baseSha = before
      ? await safeCommit(repoRoot, before)
      : resolved.parent !== undefined
        ? (resolved.parent ?? undefined)
        : await parentOf(repoRoot, resolved.sha);
  }
  const facts: PayloadFacts = {
    repoRoot,
    repository,
    defaultBranch: mainBranch,
    sha: resolved.sha,
    ref: resolved.ref,
    baseSha: eventName === "pull_request" ? ((await target(baseSha, repoRoot, baseRef)) ?? baseSha) : baseSha,
    headRef,
    baseRef,
  };
  // Without a base (a root commit, a new branch), a push changes every file of its commit.
  const [changed, commits] = pushed
    ? [pushed.files, pushed.commits(repository)]
    : await Promise.all([
        changedFilesProblem !== undefined
          ? undefined
          : baseSha
            ? changedFiles(repoRoot, baseSha, resolved.sha)
            : filesOfCommit(repoRoot, resolved.sha),
        eventCommits(eventName, facts),
      ]);
  const payload = mergePayload(synthesizePayload(eventName, facts, commits), given);
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
    author: commits.head?.author.name ?? "slipway",
  };
}

/** A re-run: the commit the first run had, under the ref it ran for (which may have moved or gone). */
async function pinnedCommit(repoRoot: string, sha: string, ref: string | undefined): Promise<ResolvedRef> {
  const commit = await safeCommit(repoRoot, sha);
  if (!commit) {
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `commit ${sha} is not in the repository (any more)`);
  }
  return { sha: commit, ref: ref ?? commit };
}

/** The base branch's tip (what GitHub shows as pull_request.base.sha), else the merge base. */
async function target(
  mergeBaseSha: string | undefined,
  repoRoot: string,
  baseRef: string,
): Promise<string | undefined> {
  return (baseRef ? await branchCommit(repoRoot, baseRef) : undefined) ?? mergeBaseSha;
}

function safeCommit(repoRoot: string, rev: string | undefined): Promise<string | undefined> {
  if (rev === undefined) return Promise.resolve(undefined);
  return resolveCommit(repoRoot, rev).catch(() => undefined);
}
