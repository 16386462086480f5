import { readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { defaultBranch, repositorySettings, type RepositorySettings } from "./git.js";

/** What a run reads about its repository that seldom changes: two git processes' answers. */
export interface RepositoryFacts {
  settings: RepositorySettings;
  /** See defaultBranch(). */
  defaultBranch: string | undefined;
}

/**
 * The repository's settings and default branch, kept between the runs of one process (a server)
 * while the files git read them from are unchanged: before each run they cost two git processes,
 * each a fork and an exec on the path to the first job. Unchanged means the same configuration
 * files (by inode, modification time and size), the same top-level branch names of `refs/heads`
 * and `refs/remotes/origin`, the same `origin/HEAD` and the same packed-refs file. Asked afresh,
 * never kept, when something else could change the answer: configuration includes, `GIT_CONFIG*`
 * or `GIT_DIR` in the environment, a repository whose `.git` is not a folder (a linked worktree)
 * or whose refs are not files (reftable), an `init.defaultBranch` with a slash.
 */
export function repositoryFacts(repoRoot: string): Promise<RepositoryFacts> {
  const fingerprint = fingerprintOf(repoRoot);
  const kept = known.get(repoRoot);
  if (fingerprint !== undefined && kept?.fingerprint === fingerprint) return kept.facts;
  const settings = repositorySettings(repoRoot);
  const facts = Promise.all([settings, defaultBranch(repoRoot, settings)]).then(([settings, branch]) => ({
    settings,
    defaultBranch: branch,
  }));
  if (fingerprint === undefined) return facts;
  const entry = { fingerprint, facts };
  known.set(repoRoot, entry);
  const forget = (): void => {
    if (known.get(repoRoot) === entry) known.delete(repoRoot);
  };
  facts.then(({ settings }) => {
    if (settings.includes || settings.initDefaultBranch?.includes("/")) forget();
  }, forget);
  return facts;
}

const known = new Map<string, { fingerprint: string; facts: Promise<RepositoryFacts> }>();

/** What the answers depend on, as one string; undefined when they may depend on more. */
function fingerprintOf(repoRoot: string): string | undefined {
  const env = process.env;
  if (Object.keys(env).some((name) => name.startsWith("GIT_CONFIG") || name === "GIT_DIR")) return undefined;
  const gitDir = join(repoRoot, ".git");
  if (!statOf(gitDir).startsWith("dir") || statOf(join(gitDir, "reftable")) !== "-") return undefined;
  const home = env.HOME || homedir();
  const configs = [
    join(gitDir, "config"),
    join(gitDir, "config.worktree"),
    join(home, ".gitconfig"),
    join(env.XDG_CONFIG_HOME || join(home, ".config"), "git", "config"),
    "/etc/gitconfig",
    "/usr/local/etc/gitconfig",
  ];
  return [
    ...configs.map(statOf),
    statOf(join(gitDir, "packed-refs")),
    namesIn(join(gitDir, "refs", "heads")),
    namesIn(join(gitDir, "refs", "remotes", "origin")),
    contentOf(join(gitDir, "refs", "remotes", "origin", "HEAD")),
  ].join("\n");
}

function statOf(path: string): string {
  try {
    const stat = statSync(path, { bigint: true });
    return `${stat.isDirectory() ? "dir" : "file"} ${stat.ino} ${stat.mtimeNs} ${stat.size}`;
  } catch {
    return "-";
  }
}

function namesIn(folder: string): string {
  try {
    return readdirSync(folder).sort().join(" ");
  } catch {
    return "-";
  }
}

function contentOf(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "-";
  }
}
