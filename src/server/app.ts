import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { parse } from "yaml";
import { announcingRevocations, Revocations } from "../auth/revocations.js";
import { createApiRateLimiter, type TokenBucketLimiter } from "../auth/rate-limit.js";
import type { EnvironmentAccessRule } from "../core/access/can.js";
import { validateFreezeWindows } from "../core/access/freeze.js";
import { DEFAULTS } from "../core/defaults.js";
import { SlipwayError } from "../core/errors.js";
import { loadProjectConfig, type LoadedProjectConfig } from "../config/load.js";
import { environmentAccessSchema, type EnvironmentAccessConfig } from "../core/config/schema-access.js";
import type { Logger } from "../log.js";
import type { RolloutController } from "../rollouts/controller.js";
import type { Store } from "../store/index.js";
import type { AppContext, ServerInfo } from "./app-context.js";
import { EventHub } from "./events-hub.js";
import { FlagCatalog } from "../flags/catalog.js";
import { CONFIG_DEFAULTS } from "../core/config/defaults.js";
import { own } from "../core/own.js";

export interface AppOptions {
  projectDir: string;
  dataDir?: string;
  controller: RolloutController;
  store: Store;
  info: () => ServerInfo;
  logger?: Logger;
  now?: () => number;
  /** Per-token rate limiter; the documented defaults when absent, none when `false`. */
  limiter?: TokenBucketLimiter | false;
  secureCookies?: boolean;
  webRoot?: string;
  sseHeartbeatMs?: number;
  sseReauthMs?: number;
  /** How often flag files and the flag store are checked for changes (FLAG_CATALOG_POLL_MS). */
  flagPollMs?: number;
}

/** The running app's context plus what only its owner may do. */
export interface App extends AppContext {
  /** Stops the controller feed and closes per-server singletons. */
  close(): Promise<void>;
}

/**
 * Assembles the API's context from a controller and the Store: the access store, audit log,
 * event hub (fed by the controller), slipway.yaml (re-read when it changes; freeze windows checked),
 * and each environment's access rule.
 */
export function createApp(options: AppOptions): App {
  const projectDir = options.projectDir;
  const singletons = new Map<string, unknown>();
  const events = new EventHub();
  const unsubscribe = subscribeController(options.controller, events);
  let cached:
    | { mtimeMs: number; config: LoadedProjectConfig; access: Record<string, EnvironmentAccessConfig> }
    | undefined;

  const config = (): LoadedProjectConfig => {
    let mtimeMs = -1;
    try {
      mtimeMs = statSync(cached?.config.file ?? join(projectDir, "slipway.yaml")).mtimeMs;
    } catch {
      // slipway.yml, or the file is gone: load reports it
    }
    if (cached && cached.mtimeMs === mtimeMs) return cached.config;
    const loaded = loadProjectConfig(projectDir);
    const problems = Object.entries(loaded.environments).flatMap(([name, env]) =>
      validateFreezeWindows(env.freezeWindows).map(
        (p) => `environments.${name}.${p.replace(/^freeze/, "freezeWindows")}`,
      ),
    );
    if (problems.length > 0) {
      throw new SlipwayError("SLIPWAY_INVALID_CONFIG", `${loaded.file}: ${problems.join("; ")}`, {
        problems,
      });
    }
    cached = { mtimeMs: statSync(loaded.file).mtimeMs, config: loaded, access: accessOf(loaded.file) };
    return loaded;
  };

  const environmentRule = (environment: string): EnvironmentAccessRule | undefined => {
    let env;
    try {
      env = own(config().environments, environment);
    } catch {
      return undefined;
    }
    if (!env) return undefined;
    const access = own(cached?.access, environment);
    const minimumRoles = access
      ? Object.fromEntries(Object.entries(access).filter(([, role]) => role !== undefined))
      : {};
    return {
      ...(env.approval ? { approval: true } : {}),
      ...(Object.keys(minimumRoles).length > 0 ? { minimumRoles } : {}),
    };
  };

  const log = options.logger ?? pino({ enabled: false });
  // The flag file globs of slipway.yaml; an unreadable file keeps the last good ones.
  let flagPatterns: readonly string[] = CONFIG_DEFAULTS.flags;
  const flags = new FlagCatalog({
    projectDir,
    patterns: () => {
      try {
        flagPatterns = config().flags;
      } catch {
        // slipway.yaml is invalid or missing: keep the globs we had (the API reports the file)
      }
      return flagPatterns;
    },
    store: options.store.flags,
    log: (level, message, detail) => log[level]({ ...detail, part: "flags" }, message),
    ...(options.now ? { now: options.now } : {}),
    ...(options.flagPollMs !== undefined ? { pollMs: options.flagPollMs } : {}),
  });
  const flagsReady = flags.start().catch((error: unknown) => {
    log.error({ err: error }, "cannot load the feature flags");
  });
  // A deploy (or any rollout change) may come with new flag files: look at once.
  const unsubscribeFlags = events.subscribe(() => void flags.refresh().catch(() => undefined));

  const revocations = new Revocations();
  const limiter =
    options.limiter === false ? undefined : (options.limiter ?? createApiRateLimiter(options.now));
  return {
    projectDir,
    dataDir: options.dataDir ?? join(projectDir, DEFAULTS.dataDir),
    controller: options.controller,
    access: announcingRevocations(options.store.access, revocations),
    revocations,
    store: options.store,
    config,
    environmentRule,
    events,
    flags,
    flagsReady,
    info: options.info,
    log,
    now: options.now ?? Date.now,
    audit: options.store.audit,
    ...(limiter ? { limiter } : {}),
    secureCookies: options.secureCookies ?? false,
    ...(options.webRoot ? { webRoot: options.webRoot } : {}),
    ...(options.sseHeartbeatMs ? { sseHeartbeatMs: options.sseHeartbeatMs } : {}),
    ...(options.sseReauthMs ? { sseReauthMs: options.sseReauthMs } : {}),
    singleton<T>(key: string, make: () => T): T {
      if (!singletons.has(key)) singletons.set(key, make());
      return singletons.get(key) as T;
    },
    async close() {
      unsubscribe();
      unsubscribeFlags();
      flags.close();
      for (const value of singletons.values()) {
        const closable = value as { close?: () => unknown };
        if (typeof closable.close === "function") await closable.close();
      }
      singletons.clear();
    },
  };
}

/**
 * `environments.<name>.access` as written (loadProjectConfig validated it with the schema, but its
 * normalized form does not carry it yet), re-checked here so a malformed value never grants anything.
 */
function accessOf(file: string): Record<string, EnvironmentAccessConfig> {
  const raw = parse(readFileSync(file, "utf8")) as {
    environments?: Record<string, { access?: unknown }>;
  } | null;
  const out = Object.create(null) as Record<string, EnvironmentAccessConfig>;
  for (const [name, env] of Object.entries(raw?.environments ?? {})) {
    const parsed = environmentAccessSchema.safeParse(env?.access ?? {});
    if (parsed.success) out[name] = parsed.data;
    else
      throw new SlipwayError("SLIPWAY_INVALID_CONFIG", `${file}: environments.${name}.access is not valid`);
  }
  return out;
}

/** Forwards the controller's changes into the hub, when the controller offers `subscribe`. */
function subscribeController(controller: RolloutController, events: EventHub): () => void {
  const subscribe = (controller as { subscribe?: (listener: (change: unknown) => void) => () => void })
    .subscribe;
  if (typeof subscribe !== "function") return () => undefined;
  return subscribe.call(controller, (change) => events.publish(change));
}
