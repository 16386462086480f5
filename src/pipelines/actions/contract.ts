import type { RestoreResult } from "../cache/cache-store.js";
import type { PipelineSettings } from "../settings.js";

/**
 * How the step executor runs an action Slipway implements natively (`actions/checkout`,
 * `actions/cache`, …): no Node download, no HTTP protocol emulation, because we own the runner.
 */
export interface BuiltinAction {
  /** `owner/repo` as written in `uses:` before the `@ref` (matched case-insensitively). */
  name: string;
  /** Inputs this implementation honours, for docs and for warning about unknown `with:` keys. */
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  /** The main step. Throwing fails the step with the error's message. */
  run(context: ActionContext): Promise<void>;
  /** Runs after the job's steps (like `post:`), e.g. `actions/cache` saving on success. */
  post?(context: ActionContext, job: { status: "success" | "failure" | "cancelled" }): Promise<void>;
}

export interface ActionContext {
  /** Evaluated `with:` values, defaults applied; keys lower-cased like GitHub's INPUT_ names. */
  inputs: Record<string, string>;
  /** The job's workspace (GITHUB_WORKSPACE). */
  workspace: string;
  /** The repository the run comes from (the source of checkouts and of git history). */
  repoRoot: string;
  /** Slipway's data directory (caches, artifacts live below it). */
  dataDir: string;
  /** Where caches are restored from when the store of record is on another host (a runner's job). */
  sharedCache?: SharedCache;
  runId: string;
  jobId: string;
  github: {
    sha: string;
    ref: string;
    eventName: string;
    event: Record<string, unknown>;
    /** The revision to diff against for change detection, when known (--base, or from the event). */
    baseSha?: string;
  };
  /** The step's environment as a `run:` step would see it. */
  env: Record<string, string>;
  log(line: string): void;
  warning(message: string): void;
  setOutput(name: string, value: string): void;
  /** Puts a directory first on PATH for the job's later steps (like core.addPath / $GITHUB_PATH). */
  addPath(dir: string): void;
  /** The runner's persistent settings: tool cache, download sources. */
  settings: PipelineSettings;
  /**
   * Makes the job's empty workspace a clean worktree at `sha` from one a finished job of the run
   * left (false when there is none); actions/checkout adds a new worktree otherwise.
   */
  reuseWorktree?(sha: string): Promise<boolean>;
  /** Keep state between run() and post() (like core.saveState). */
  state: Map<string, string>;
  signal: AbortSignal;
}

/**
 * A cache store of record on another host (the server, for a job on a runner), reached through a
 * store of copies on this one. Saves still go to the data directory's store.
 */
export interface SharedCache {
  /**
   * The match for the keys (matchCacheEntry) among the store of record's entries and the job's own
   * saves, extracted under `cwd` unless `lookupOnly`. When the store of record cannot be asked, or
   * its archive not fetched, `warn` says so and this host's copies stand in: a miss, never a throw.
   */
  restore(
    key: string,
    restoreKeys: readonly string[],
    version: string,
    cwd: string,
    options: { lookupOnly?: boolean; signal?: AbortSignal; warn(message: string): void },
  ): Promise<RestoreResult>;
}
