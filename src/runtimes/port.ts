import type { Instance, InstanceState, RevisionSpec } from "../core/revision/spec.js";

export type {
  Artifact,
  Instance,
  InstanceState,
  Probe,
  ProbeCheck,
  ProbeResult,
  Resources,
  RevisionSpec,
} from "../core/revision/spec.js";

/**
 * The Runtime port: what the rollout controller needs from whatever runs a revision's instances
 * (local processes today, Kubernetes later). The
 * revision it runs is described by the core (src/core/revision); `runtime:` in slipway.yaml picks the
 * adapter (createRuntime in ./index.ts). Every method is idempotent: `ensure` twice starts
 * nothing new, `stop` on a stopped revision returns at once. That is what makes a restarted
 * control plane safe to replay its last action.
 */
export interface Runtime {
  /** Make `spec.replicas` instances of the revision exist (adopting live ones), without waiting for readiness. */
  ensure(spec: RevisionSpec): Promise<void>;
  /** The revision's instances as the runtime sees them now. */
  instances(revisionId: string): Instance[];
  /** Stop every instance of the revision: SIGTERM to the process group, SIGKILL after graceMs. */
  stop(revisionId: string, options?: { graceMs?: number }): Promise<void>;
  /** Revision ids with at least one live instance (after adoption, on start). */
  revisions(): string[];
  /** CPU (percent of one core) and resident memory of the revision's instances, summed. */
  resources(revisionId: string): Promise<{ cpuPercent: number; rssBytes: number }>;
  /** Stop supervising (probes, restarts) without stopping the instances: they keep serving. */
  detach(): Promise<void>;
  /**
   * Optional (LocalRuntime has it): resolve once `minReady` (default `spec.replicas`) instances of
   * the revision are ready, or say why not — an instance gave up restarting ("failed"), the
   * timeout passed, or the signal aborted. Never rejects for those outcomes.
   * @example
   * const r = await runtime.waitReady?.(id, { timeoutMs: 30_000 });
   * if (r?.outcome !== "ready") rollback(r?.reason);
   */
  waitReady?(revisionId: string, options: WaitReadyOptions): Promise<WaitReadyResult>;
  /** Optional (LocalRuntime has it): instance state changes as they happen. Returns an unsubscribe function. */
  subscribe?(listener: (event: RuntimeEvent) => void): () => void;
}

export interface WaitReadyOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Ready instances needed; default: the revision's `replicas`. */
  minReady?: number;
}

export type WaitReadyResult =
  | { outcome: "ready"; instances: Instance[] }
  /** An instance is "crashed" (gave up restarting) or the revision is unknown; `reason` says which. */
  | { outcome: "failed"; reason: string; instances: Instance[] }
  | { outcome: "timeout"; reason: string; instances: Instance[] }
  | { outcome: "aborted"; reason: string; instances: Instance[] };

/** Emitted whenever an instance changes state (including restarts: a new pid with state "starting"). */
export interface RuntimeEvent {
  kind: "instance-state";
  instance: Instance;
  previous: InstanceState | undefined;
}
