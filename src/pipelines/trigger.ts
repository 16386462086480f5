import type { TriggerEvent } from "../core/workflow/triggers.js";
import { changedFiles, filesOfCommit, mergeBase, parentOf, resolveCommit, resolveRef } from "./git.js";
import type { RunOptions } from "./run-options.js";

/** The event that starts a run, as git resolves it: commits, refs and the changed files. */
export interface TriggerInfo {
  event: TriggerEvent;
  sha: string;
  ref: string;
  baseSha: string | undefined;
  payload: Record<string, unknown>;
  headRef: string;
  baseRef: string;
}

/**
 * Resolves the event's ref and the base to diff against (the merge base for a pull request, the
 * `before` commit or the parent for a push, `--base` when given) and lists the changed files that
 * `paths:` filters match.
 */
export function describeTrigger(
  repoRoot: string,
  eventName: string,
  options: Pick<RunOptions, "eventPayload" | "ref" | "base">,
): TriggerInfo {
  const payload = options.eventPayload ?? {};
  const pr = payload.pull_request as
    { head?: { ref?: string }; base?: { ref?: string; sha?: string }; number?: number } | undefined;
  const refFromPayload = eventName === "push" && typeof payload.ref === "string" ? payload.ref : undefined;
  const resolved = resolveRef(repoRoot, options.ref ?? refFromPayload);
  let baseSha: string | undefined;
  let headRef = "";
  let baseRef = "";
  let ref = resolved.ref;
  if (eventName === "pull_request") {
    headRef = pr?.head?.ref ?? resolved.ref.replace(/^refs\/heads\//, "");
    baseRef =
      pr?.base?.ref ?? (options.base && !/^[0-9a-f]{7,40}$/.test(options.base) ? options.base : "main");
    ref = `refs/pull/${pr?.number ?? 1}/merge`;
    const target = options.base ?? pr?.base?.sha ?? baseRef;
    try {
      baseSha = mergeBase(repoRoot, resolveCommit(repoRoot, target), resolved.sha);
    } catch {
      baseSha = undefined;
    }
  } else if (options.base !== undefined) {
    baseSha = resolveCommit(repoRoot, options.base);
  } else if (eventName === "push") {
    const before =
      typeof payload.before === "string" && !/^0+$/.test(payload.before) ? payload.before : undefined;
    baseSha = before ? safeCommit(repoRoot, before) : parentOf(repoRoot, resolved.sha);
  }
  const changed = baseSha
    ? changedFiles(repoRoot, baseSha, resolved.sha)
    : filesOfCommit(repoRoot, resolved.sha);
  const action = typeof payload.action === "string" ? payload.action : undefined;
  return {
    event: {
      name: eventName,
      ref: eventName === "pull_request" ? resolved.ref : ref,
      baseRef,
      ...(action ? { action } : {}),
      changedFiles: changed,
    },
    sha: resolved.sha,
    ref,
    baseSha,
    payload,
    headRef,
    baseRef,
  };
}

function safeCommit(repoRoot: string, rev: string): string | undefined {
  try {
    return resolveCommit(repoRoot, rev);
  } catch {
    return undefined;
  }
}
