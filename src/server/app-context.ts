import type { Revocations } from "../auth/revocations.js";
import type { AccessStore } from "../auth/store.js";
import type { TokenBucketLimiter } from "../auth/rate-limit.js";
import type { LoadedProjectConfig } from "../config/load.js";
import type { Logger } from "../log.js";
import type { RolloutController } from "../rollouts/controller.js";
import type { SqliteDatabase } from "../store/sqlite/database.js";
import type { EnvironmentRuleLookup } from "./api-route.js";
import type { EventHub } from "./events-hub.js";

/** What `GET /api/status` adds about the processes (URLs printed by `slipway up`). */
export interface ServerInfo {
  apiUrl: string;
  proxyUrl: string;
  projectDir: string;
}

/** One audit record of a mutating API request. */
export interface ApiAuditRecord {
  /** Who acted: the user's or token's name (actorOf), never the token itself. */
  actor: string;
  actorName: string;
  action: string;
  method: string;
  path: string;
  status: number;
  environment?: string;
  reason?: string;
}

export interface AuditSink {
  record(entry: ApiAuditRecord): void;
}

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
  db: SqliteDatabase;
  /** slipway.yaml as of now (re-read when the file changes). */
  config(): LoadedProjectConfig;
  /** The access rule of an environment from slipway.yaml (approval, access). */
  environmentRule: EnvironmentRuleLookup;
  events: EventHub;
  info(): ServerInfo;
  log: Logger;
  now(): number;
  audit: AuditSink;
  limiter?: TokenBucketLimiter;
  /** Whether session cookies are marked Secure (the dashboard is reached over https). */
  secureCookies: boolean;
  /** Where the built dashboard is (`web/dist`); absent → GET / answers a page saying how to build it. */
  webRoot?: string;
  /** Heartbeat period of `GET /api/events` (default SSE_HEARTBEAT_MS); tests shorten it. */
  sseHeartbeatMs?: number;
  /** How often an open `GET /api/events` re-checks its credential (default SSE_REAUTH_MS). */
  sseReauthMs?: number;
  singleton<T>(key: string, make: () => T): T;
}
