import type { CacheEntry } from "../pipelines/cache/cache-store.js";
import type { JobInstance } from "../pipelines/run-scope.js";
import type { JobResult, LogLine, RunEvent } from "../core/workflow/model.js";

/**
 * What a runner gets when it takes a job (POST /api/runner/claim): enough to run it on its own
 * host from a copy of the commit. It travels over HTTP only: the queue row holds the job's id and
 * labels, never its secrets.
 */
export interface RemoteJobSpec extends Pick<JobInstance, "key" | "name" | "matrix" | "strategy" | "needs"> {
  /** The queue job's id: the runner's handle for heartbeats, files and the result. */
  id: string;
  runId: string;
  runNumber: number;
  sha: string;
  /** The workflow file, relative to the repository (a called reusable workflow's own file). */
  workflowFile: string;
  jobId: string;
  github: Record<string, unknown>;
  inputs: Record<string, unknown>;
  vars: Record<string, string>;
  secrets: Record<string, string>;
  baseSha: string | undefined;
  /** How often the runner must beat; a runner silent for `lostAfterMs` is taken for dead. */
  heartbeatMs: number;
  lostAfterMs: number;
}

/** POST /api/runner/jobs/:id/heartbeat: what happened since the last beat (already masked). */
export interface HeartbeatBody {
  events: RunEvent[];
  /** Lines for the run's stored logs (scope.storeLogs), in order. */
  stored: LogLine[];
}

/** The answer to a beat: whether the job was cancelled (the run, fail-fast, a newer run). */
export interface HeartbeatReply {
  cancel: boolean;
}

export interface FinishBody {
  result: JobResult;
}

/** POST /api/runner/jobs/:id/cache/lookup: the keys of an `actions/cache` restore. */
export interface CacheLookupBody {
  key: string;
  restoreKeys: string[];
  /** cacheVersion of the step's paths. */
  version: string;
}

/** The server store's match (matchCacheEntry); `id` names the entry's archive for the download. */
export type CacheLookupReply =
  | { kind: "exact"; id: string; entry: CacheEntry }
  | { kind: "partial"; id: string; entry: CacheEntry; matchedPrefix: string }
  | { kind: "miss" };

/** The runner API's paths (src/server/routes/runner.ts serves them). */
export const RUNNER_PATHS = {
  claim: "/api/runner/claim",
  source: (id: string) => `/api/runner/jobs/${encodeURIComponent(id)}/source`, // POST
  heartbeat: (id: string) => `/api/runner/jobs/${encodeURIComponent(id)}/heartbeat`,
  /** POST: the run's artifacts uploaded so far (a gzip tar), for download-artifact. */
  artifacts: (id: string) => `/api/runner/jobs/${encodeURIComponent(id)}/artifacts`,
  files: (id: string) => `/api/runner/jobs/${encodeURIComponent(id)}/files`,
  finish: (id: string) => `/api/runner/jobs/${encodeURIComponent(id)}/finish`,
  /** POST: the server's cache entry an `actions/cache` restore takes (CacheLookupReply). */
  cacheLookup: (id: string) => `/api/runner/jobs/${encodeURIComponent(id)}/cache/lookup`,
  /** POST: the archive of a cache entry the lookup named. */
  cacheArchive: (id: string, entry: string) =>
    `/api/runner/jobs/${encodeURIComponent(id)}/cache/entries/${encodeURIComponent(entry)}`,
} as const;
