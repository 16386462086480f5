import { matchesPatternList } from "./filter-pattern.js";
import { own } from "../own.js";

/** The events `slipway run --event` simulates. */
export const SUPPORTED_EVENTS = [
  "push",
  "pull_request",
  "workflow_dispatch",
  "schedule",
  "workflow_call",
] as const;
export type SupportedEvent = (typeof SUPPORTED_EVENTS)[number];

/** The filters of one event under `on:` (plain values, as @actions/workflow-parser converts them). */
export interface EventFilters {
  branches?: string[];
  "branches-ignore"?: string[];
  tags?: string[];
  "tags-ignore"?: string[];
  paths?: string[];
  "paths-ignore"?: string[];
  types?: string[];
}

/** What happened, as far as the filters care. */
export interface TriggerEvent {
  name: string;
  /** Full ref of the push (`refs/heads/main`, `refs/tags/v1.2.3`) or of the PR's head. */
  ref: string;
  /** For pull_request: the target branch name (filters match it, as on GitHub). */
  baseRef?: string;
  /** For pull_request: the activity type (`opened`, `synchronize`…). */
  action?: string;
  /** Files changed against the base revision; undefined when unknown. */
  changedFiles?: readonly string[];
  /** Why the changed files are unknown (say, a pull request's base branch is missing): a
   *  workflow with `paths` / `paths-ignore` is then not run, with this as the reason. */
  changedFilesProblem?: string;
}

export type TriggerDecision = { matched: true } | { matched: false; reason: string };

const DEFAULT_PULL_REQUEST_TYPES = ["opened", "synchronize", "reopened"];

/**
 * Decides whether a workflow's `on:` runs for an event, with GitHub's rules: when only tag filters
 * are given a branch push does not run (and the other way round); paths filters do not apply to tag
 * pushes; pull_request branch filters match the target branch; `types` defaults to
 * opened/synchronize/reopened.
 */
export function matchTrigger(on: Readonly<Record<string, unknown>>, event: TriggerEvent): TriggerDecision {
  if (!Object.hasOwn(on, event.name)) {
    const listed = Object.keys(on).join(", ") || "no events";
    return { matched: false, reason: `the workflow is not triggered by ${event.name} (on: ${listed})` };
  }
  const filters = (own(on, event.name) ?? {}) as EventFilters;
  switch (event.name) {
    case "push":
      return matchPush(filters, event);
    case "pull_request":
    case "pull_request_target":
      return matchPullRequest(filters, event);
    default:
      return { matched: true };
  }
}

function matchPush(filters: EventFilters, event: TriggerEvent): TriggerDecision {
  const hasBranchFilters = filters.branches !== undefined || filters["branches-ignore"] !== undefined;
  const hasTagFilters = filters.tags !== undefined || filters["tags-ignore"] !== undefined;
  const tag = stripPrefix(event.ref, "refs/tags/");
  if (tag !== undefined) {
    if (!hasTagFilters && hasBranchFilters) {
      return { matched: false, reason: `tag ${tag}: the push trigger filters branches only` };
    }
    return matchRefFilters(filters.tags, filters["tags-ignore"], tag, "tag");
  }
  const branch = stripPrefix(event.ref, "refs/heads/") ?? event.ref;
  if (!hasBranchFilters && hasTagFilters) {
    return { matched: false, reason: `branch ${branch}: the push trigger filters tags only` };
  }
  const refDecision = matchRefFilters(filters.branches, filters["branches-ignore"], branch, "branch");
  return refDecision.matched ? matchPaths(filters, event) : refDecision;
}

function matchPullRequest(filters: EventFilters, event: TriggerEvent): TriggerDecision {
  const types = filters.types ?? DEFAULT_PULL_REQUEST_TYPES;
  const action = event.action ?? "opened";
  if (!types.includes(action)) {
    return { matched: false, reason: `pull_request type ${action} is not in types [${types.join(", ")}]` };
  }
  const target = event.baseRef ?? "";
  const refDecision = matchRefFilters(filters.branches, filters["branches-ignore"], target, "target branch");
  return refDecision.matched ? matchPaths(filters, event) : refDecision;
}

function matchRefFilters(
  include: string[] | undefined,
  ignore: string[] | undefined,
  name: string,
  what: string,
): TriggerDecision {
  if (include !== undefined && !matchesPatternList(name, include)) {
    return { matched: false, reason: `${what} ${name} does not match [${include.join(", ")}]` };
  }
  if (ignore !== undefined && matchesPatternList(name, ignore)) {
    return { matched: false, reason: `${what} ${name} is ignored by [${ignore.join(", ")}]` };
  }
  return { matched: true };
}

function matchPaths(filters: EventFilters, event: TriggerEvent): TriggerDecision {
  const { paths } = filters;
  const ignore = filters["paths-ignore"];
  const changed = event.changedFiles;
  if (changed === undefined) {
    if (event.changedFilesProblem === undefined || (paths === undefined && ignore === undefined))
      return { matched: true };
    const which = paths !== undefined ? "paths" : "paths-ignore";
    return { matched: false, reason: `${which} cannot be checked: ${event.changedFilesProblem}` };
  }
  if (paths !== undefined && !changed.some((file) => matchesPatternList(file, paths))) {
    return { matched: false, reason: `no changed file matches paths [${paths.join(", ")}]` };
  }
  if (
    ignore !== undefined &&
    changed.length > 0 &&
    changed.every((file) => matchesPatternList(file, ignore))
  ) {
    return { matched: false, reason: `every changed file matches paths-ignore [${ignore.join(", ")}]` };
  }
  return { matched: true };
}

function stripPrefix(value: string, prefix: string): string | undefined {
  return value.startsWith(prefix) ? value.slice(prefix.length) : undefined;
}
