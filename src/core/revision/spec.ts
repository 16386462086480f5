/**
 * What a revision is, independent of what runs it: the core and the controller describe a release
 * with these types and hand them to a Runtime (src/runtimes/port.ts). How a runtime carries them
 * out (processes, working directories, ports, log files) is the adapter's business.
 */

/** "web/production@v3": one release of a service in an environment. */
export interface RevisionSpec {
  /** e.g. "web/production@v3"; names the revision in the runtime, the proxy and the Store. */
  revisionId: string;
  service: string;
  environment: string;
  version: string;
  /** What runs: the built release. */
  artifact: Artifact;
  /** Shell command line that starts one instance; receives PORT (and SLIPWAY_* variables) in its environment. */
  command: string;
  env: Record<string, string>;
  replicas: number;
  readiness?: Probe;
  liveness?: Probe;
  /** Per instance; slipway.yaml has no setting for them yet, so a spec built from it has none. */
  resources?: Resources;
  /** SIGTERM → SIGKILL grace period. */
  stopGraceMs: number;
}

/**
 * The built release a revision runs. Only release directories exist today; a container image
 * (`{ kind: "image"; ref: string }`) joins this union when a runtime can run one.
 */
export type Artifact = { kind: "directory"; /** Absolute path of the release directory. */ path: string };

/** Requests per instance, in the units schedulers use (Kubernetes requests/limits). */
export interface Resources {
  /** Cores, e.g. 0.5. */
  cpu?: number;
  memoryBytes?: number;
}

export type ProbeCheck =
  | { kind: "http"; path: string; expectStatus?: number[] }
  | { kind: "tcp" }
  | { kind: "exec"; command: string };

export interface Probe {
  check: ProbeCheck;
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

/**
 * "starting": spawned (or waiting out a restart backoff), not yet ready. "unready": running, but
 * readiness failed `failureThreshold` times in a row. "crashed": terminal — the instance gave up
 * restarting (too many crashes in the restart window); only `stop` then `ensure` starts it again.
 */
export type InstanceState = "starting" | "ready" | "unready" | "crashed" | "stopping" | "stopped";

/** One running copy of a revision, as the runtime reports it (status output, routing). */
export interface Instance {
  id: string;
  revisionId: string;
  /** 0 while no process runs (waiting to restart, or crashed for good). */
  pid: number;
  /** Where the proxy reaches it. */
  host: string;
  port: number;
  state: InstanceState;
  restarts: number;
  startedAt: string;
  logFile: string;
  /** Why the last restart or failure happened, for status output ("exited with code 1", "liveness failed"). */
  lastError?: string;
  /** While waiting to restart after a crash (state "starting"): when the next attempt happens. */
  nextRestartAt?: string;
  /** The latest probe of the current process (absent before the first): what health checking saw last. */
  lastProbe?: ProbeResult;
}

/** One probe's outcome, as the status view and the dashboard show it. */
export interface ProbeResult {
  kind: "readiness" | "liveness";
  ok: boolean;
  /** ISO time the probe finished. */
  at: string;
  /** Why it failed ("GET /healthz answered 503"); absent when it passed. */
  reason?: string;
}
