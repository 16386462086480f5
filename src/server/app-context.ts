import type { DataPlaneKind } from "../core/traffic/index.js";
import type { Revocations } from "../auth/revocations.js";
import type { AccessStore } from "../store/ports/access-store.js";
import type { TokenBucketLimiter } from "../auth/rate-limit.js";
import type { LoadedProjectConfig } from "../config/load.js";
import type { Logger } from "../log.js";
import type { RolloutController } from "../rollouts/controller.js";
import type { Store } from "../store/index.js";
import type { ApiAuditRecord, AuditStore } from "../store/ports/audit-store.js";
import type { EnvironmentRuleLookup } from "./api-route.js";
import type { EventHub } from "./events-hub.js";
import type { FlagCatalog } from "../flags/catalog.js";

/** What `GET /api/status` adds about the processes (URLs printed by `slipway up`). */
export interface ServerInfo {
  apiUrl: string;
  proxyUrl: string;
  /** Which data plane serves the traffic (proxy.json). */
  dataPlane: DataPlaneKind;
  projectDir: string;
  /** Highly available (`slipway server --ha`): this replica's role now, and the leader's API URL. */
  replica?: () => { role: "leader" | "follower"; leader?: string };
}

export type { ApiAuditRecord };

export type AuditSink = Pick<AuditStore, "record">;

/**
 * The parts of a running control plane that route handlers use. Route modules of other areas
 * keep their own per-server objects with `singleton` (created on first use, closed with the
 * server when they have a `close()`).
 */
export interface AppContext {
  projectDir: string;
  /** `<project>/.slipway`. */
  dataDir: string;
  controller: RolloutController;
  /** Revocations and deletions through it also end the streams watching in `revocations`. */
  access: AccessStore;
  revocations: Revocations;
  /** The state (rollouts, releases, runs, access, audit…); opened and closed by the composition root. */
  store: Store;
  /** slipway.yaml as of now (re-read when the file changes). */
  config(): LoadedProjectConfig;
  /** The access rule of an environment from slipway.yaml (approval, access). */
  environmentRule: EnvironmentRuleLookup;
  events: EventHub;
  /**
   * The served feature flags (repository files + the API's). Loaded at start; `await flagsReady`
   * before the first read.
   */
  flags: FlagCatalog;
  flagsReady: Promise<unknown>;
  info(): ServerInfo;
  log: Logger;
  now(): number;
  audit: AuditSink;
  limiter?: TokenBucketLimiter;
  /** Whether session cookies are marked Secure (the dashboard is reached over https). */
  secureCookies: boolean;
  /** Where the built dashboard is (`web/dist`); absent → GET / answers a page saying how to build it. */
  webRoot?: string;
  /** Heartbeat period of the event streams (default SSE_HEARTBEAT_MS, server/event-stream.ts); tests shorten it. */
  sseHeartbeatMs?: number;
  /** How often an open event stream re-checks its credential (default SSE_REAUTH_MS). */
  sseReauthMs?: number;
  singleton<T>(key: string, make: () => T): T;
}
