import { nulSeparated } from "../affected/git.js";
import { gitAsync } from "./git.js";

/** What git says about the run, from which a payload is built. */
export interface PayloadFacts {
  repoRoot: string;
  /** `owner/name`. */
  repository: string;
  defaultBranch: string | undefined;
  sha: string;
  ref: string;
  /** The commit the push or pull request starts from (the push's `before`, the PR's base). */
  baseSha: string | undefined;
  /** pull_request: the head and target branch names. */
  headRef: string;
  baseRef: string;
}

const ZERO_SHA = "0000000000000000000000000000000000000000";
/** GitHub lists at most 20 commits in a push payload. */
const MAX_PUSH_COMMITS = 20;

/**
 * The webhook payload GitHub would deliver for `eventName`, built from the repository, so that
 * `github.event.*` is filled without `--event-file`: push (ref, before, after, created,
 * repository with default_branch, head_commit, commits, pusher), pull_request (action, number,
 * pull_request.head/base with ref and sha), workflow_dispatch (ref, inputs). Values from an event
 * file win over these (see mergePayload).
 */
export function synthesizePayload(
  eventName: string,
  facts: PayloadFacts,
  { commits, head }: EventCommits,
): Record<string, unknown> {
  const repository = repositoryObject(facts);
  const sender = { login: head?.author.name ?? "slipway", type: "User" };
  switch (eventName) {
    case "push": {
      const before = facts.baseSha ?? ZERO_SHA;
      return {
        ref: facts.ref,
        before,
        after: facts.sha,
        created: facts.baseSha === undefined,
        deleted: false,
        forced: false,
        base_ref: null,
        compare: `https://github.com/${facts.repository}/compare/${before.slice(0, 12)}...${facts.sha.slice(0, 12)}`,
        commits,
        head_commit: head,
        pusher: { name: head?.author.name ?? "slipway", email: head?.author.email ?? "" },
        repository,
        sender,
      };
    }
    case "pull_request": {
      const number = 1;
      return {
        action: "opened",
        number,
        pull_request: {
          number,
          state: "open",
          draft: false,
          merged: false,
          title: head?.message.split("\n")[0] ?? "",
          body: null,
          user: sender,
          html_url: `https://github.com/${facts.repository}/pull/${number}`,
          head: {
            ref: facts.headRef,
            sha: facts.sha,
            label: `${facts.repository.split("/")[0]}:${facts.headRef}`,
            repo: repository,
          },
          base: {
            ref: facts.baseRef,
            sha: facts.baseSha ?? null,
            label: `${facts.repository.split("/")[0]}:${facts.baseRef}`,
            repo: repository,
          },
        },
        repository,
        sender,
      };
    }
    case "workflow_dispatch":
      return { ref: facts.ref, inputs: {}, repository, sender, workflow: "" };
    default:
      return { repository, sender };
  }
}

/**
 * The payload a run sees: the synthesized one with the event file's values on top, objects merged
 * key by key (an event file that only gives `pull_request.number` keeps the computed head and base).
 */
export function mergePayload(
  synthesized: Record<string, unknown>,
  given: Record<string, unknown>,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...synthesized };
  for (const [key, value] of Object.entries(given)) {
    const base = result[key];
    result[key] = isObject(base) && isObject(value) ? mergePayload(base, value) : value;
  }
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function repositoryObject(facts: PayloadFacts): Record<string, unknown> {
  const [owner = "local", name = facts.repository] = facts.repository.split("/");
  return {
    name,
    full_name: facts.repository,
    owner: { login: owner, name: owner },
    private: true,
    default_branch: facts.defaultBranch ?? "main",
    master_branch: facts.defaultBranch ?? "main",
    html_url: `https://github.com/${facts.repository}`,
    clone_url: `https://github.com/${facts.repository}.git`,
  };
}

interface CommitObject {
  id: string;
  tree_id: string;
  message: string;
  timestamp: string;
  url: string;
  author: { name: string; email: string; username: string };
  committer: { name: string; email: string; username: string };
  distinct: boolean;
}

// Fields separated by unit separators, records by record separators: messages may hold newlines.
const FORMAT = ["%H", "%T", "%an", "%ae", "%cn", "%ce", "%cI", "%B"].join("%x1f") + "%x1e";

function parseCommits(out: string, repository: string): CommitObject[] {
  return out
    .split("\x1e")
    .map((record) => record.replace(/^\n/, ""))
    .filter((record) => record.trim() !== "")
    .map((record) => {
      const [id = "", tree = "", an = "", ae = "", cn = "", ce = "", date = "", message = ""] =
        record.split("\x1f");
      return {
        id,
        tree_id: tree,
        message: message.replace(/\n+$/, ""),
        timestamp: date,
        url: `https://github.com/${repository}/commit/${id}`,
        author: { name: an, email: ae, username: an },
        committer: { name: cn, email: ce, username: cn },
        distinct: true,
      };
    });
}

/** The commits a payload names: a push's (oldest first, GitHub's order, at most 20) and the head. */
export interface EventCommits {
  commits: CommitObject[];
  head: CommitObject | undefined;
}

/** Asks git for the commits of the event's payload: one process (a push's last commit is its head). */
export async function eventCommits(eventName: string, facts: PayloadFacts): Promise<EventCommits> {
  if (eventName === "push") {
    const range = facts.baseSha ? [`${facts.baseSha}..${facts.sha}`] : ["-1", facts.sha];
    const commits = await gitAsync(facts.repoRoot, ["log", "--reverse", `--format=${FORMAT}`, ...range])
      .then((out) => parseCommits(out, facts.repository).slice(-MAX_PUSH_COMMITS))
      .catch(() => []);
    if (commits.at(-1)?.id === facts.sha) return { commits, head: commits.at(-1) };
    return { commits, head: await commitObject(facts.repoRoot, facts.sha, facts.repository) };
  }
  return { commits: [], head: await commitObject(facts.repoRoot, facts.sha, facts.repository) };
}

function commitObject(repoRoot: string, sha: string, repository: string): Promise<CommitObject | undefined> {
  return gitAsync(repoRoot, ["show", "-s", `--format=${FORMAT}`, sha])
    .then((out) => parseCommits(out, repository)[0])
    .catch(() => undefined);
}

/** HEAD as a push of it is described, from one git process (pushedHead). */
export interface PushedHead {
  sha: string;
  /** The branch HEAD names (`refs/heads/…`); the commit itself when HEAD is detached. */
  ref: string;
  /** Its parents: none for a root commit, two or more for a merge. */
  parents: string[];
  /**
   * The files it changed against its first parent (a root commit: all of its files). Empty for a
   * merge, which git does not diff here: ask changedFiles().
   */
  files: string[];
  /** The push's commits when it has at most one parent: this one alone. */
  commits(repository: string): EventCommits;
}

/**
 * What a push of HEAD needs from git (commit, branch, parents, changed files, the commit's
 * details), in one process rather than four: each costs a fork and an exec before a run starts.
 * Undefined when HEAD has no commit yet.
 */
export async function pushedHead(repoRoot: string): Promise<PushedHead | undefined> {
  const out = await gitAsync(repoRoot, [
    "log",
    "-1",
    "-z",
    "--no-show-signature",
    "--root",
    "--no-renames",
    "--name-only",
    // HEAD and the branches, full names, whatever log.excludeDecoration says: "HEAD -> refs/heads/x, …"
    // names HEAD's branch; a detached HEAD is "HEAD, …".
    "--decorate=full",
    "--decorate-refs=HEAD",
    "--decorate-refs=refs/heads/",
    `--format=%P%x1f%D%x1f${FORMAT}`,
    "HEAD",
    "--",
  ]).catch(() => undefined);
  const end = out?.indexOf("\x1e") ?? -1;
  if (out === undefined || end === -1) return undefined;
  const [parents = "", decorations = "", ...commit] = out.slice(0, end).split("\x1f");
  const record = `${commit.join("\x1f")}\x1e`;
  const sha = commit[0] ?? "";
  const branch = /^HEAD -> ([^,]+)/.exec(decorations)?.[1];
  return {
    sha,
    ref: branch ?? sha,
    parents: parents.split(" ").filter((parent) => parent !== ""),
    files: nulSeparated(out.slice(end + 1)),
    commits(repository) {
      const commits = parseCommits(record, repository);
      return { commits, head: commits[0] };
    },
  };
}
