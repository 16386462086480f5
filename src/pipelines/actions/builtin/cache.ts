import { isAbsolute, join, relative, sep } from "node:path";
import { DEFAULTS } from "../../../core/defaults.js";
import { CacheStore, cacheVersion, type RestoreResult } from "../../cache/cache-store.js";
import type { ActionContext, BuiltinAction } from "../contract.js";
import { lenientBooleanInput, listInput, requiredInput } from "./inputs.js";
import { parsePathPatterns, resolveCacheEntries } from "./path-patterns.js";

/** The store every cache action of a data directory shares; SLIPWAY_CACHE_MAX_BYTES overrides the limit. */
export function cacheStoreFor(
  dataDir: string,
  env: Record<string, string | undefined> = process.env,
): CacheStore {
  const override = Number(env.SLIPWAY_CACHE_MAX_BYTES);
  const maxBytes = Number.isFinite(override) && override > 0 ? override : DEFAULTS.cacheMaxBytes;
  return new CacheStore({ root: join(dataDir, "cache"), maxBytes });
}

/**
 * GitHub gives each job a machine; here jobs share the host, and a cache of a path outside the
 * workspace (`~/.npm`, which jobs share) is one folder for all of them: two tar processes
 * extracting into it at once fail ("Cannot open: File exists"), and one archiving it while another
 * extracts reads half-written files. Such restores and saves take turns in this process; caches
 * inside a job's own workspace need no turn.
 */
let outsideTurn: Promise<void> = Promise.resolve();

async function inTurnIfOutside<T>(
  context: ActionContext,
  lines: readonly string[],
  task: () => Promise<T>,
): Promise<T> {
  const { include } = parsePathPatterns(lines.join("\n"), context.workspace);
  const outside = include.some((path) => {
    const inWorkspace = relative(context.workspace, path);
    return inWorkspace === ".." || inWorkspace.startsWith(`..${sep}`) || isAbsolute(inWorkspace);
  });
  if (!outside) return task();
  const previous = outsideTurn;
  let done!: () => void;
  outsideTurn = new Promise<void>((resolve) => (done = resolve));
  await previous;
  try {
    return await task();
  } finally {
    done();
  }
}

const formatMB = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function pathLines(context: ActionContext): string[] {
  const lines = listInput(context, "path");
  if (lines.length === 0) throw new Error("input path is required and was not supplied");
  return lines;
}

/**
 * From the shared store when there is one (a job on a runner restores what any runner or the
 * server saved, as GitHub's cache service gives), else from this data directory's store.
 */
function restoreFromStore(
  context: ActionContext,
  key: string,
  restoreKeys: readonly string[],
  version: string,
  options: { lookupOnly: boolean },
): Promise<RestoreResult> {
  if (!context.sharedCache) {
    return cacheStoreFor(context.dataDir, context.env).restore(
      key,
      restoreKeys,
      version,
      context.workspace,
      options,
    );
  }
  return context.sharedCache.restore(key, restoreKeys, version, context.workspace, {
    ...options,
    signal: context.signal,
    warn: (message) => context.warning(message),
  });
}

async function restore(context: ActionContext): Promise<void> {
  const key = requiredInput(context, "key");
  const lines = pathLines(context);
  const restoreKeys = listInput(context, "restore-keys");
  const lookupOnly = lenientBooleanInput(context, "lookup-only", false);
  const result = await inTurnIfOutside(context, lines, () =>
    restoreFromStore(context, key, restoreKeys, cacheVersion(lines), { lookupOnly }),
  );
  context.setOutput("cache-primary-key", key);
  context.state.set("primary-key", key);
  switch (result.kind) {
    case "exact":
      context.log(`Cache restored from key: ${key} (${formatMB(result.entry.sizeBytes)})`);
      context.setOutput("cache-hit", "true");
      context.setOutput("cache-matched-key", key);
      context.state.set("matched-key", key);
      return;
    case "partial":
      context.log(
        `Cache restored from key: ${result.entry.key} (restore-key prefix ${result.matchedPrefix})`,
      );
      context.setOutput("cache-hit", "false");
      context.setOutput("cache-matched-key", result.entry.key);
      context.state.set("matched-key", result.entry.key);
      return;
    case "miss":
      context.setOutput("cache-hit", "false");
      context.setOutput("cache-matched-key", "");
      if (lenientBooleanInput(context, "fail-on-cache-miss", false)) {
        throw new Error(
          `Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: ${key}`,
        );
      }
      context.log(`Cache not found for input keys: ${[key, ...restoreKeys].join(", ")}`);
      return;
    default: {
      const unreachable: never = result;
      return unreachable;
    }
  }
}

async function save(context: ActionContext, key: string): Promise<void> {
  const lines = pathLines(context);
  const entries = resolveCacheEntries(
    parsePathPatterns(lines.join("\n"), context.workspace),
    context.workspace,
  );
  if (entries.length === 0) {
    context.warning(`Path Validation Error: no path of ${lines.join(", ")} exists, so no cache is saved.`);
    return;
  }
  const result = await inTurnIfOutside(context, lines, () =>
    cacheStoreFor(context.dataDir, context.env).save(key, cacheVersion(lines), context.workspace, entries),
  );
  switch (result.kind) {
    case "saved":
      context.log(`Cache saved with key: ${key} (${formatMB(result.entry.sizeBytes)})`);
      if (result.evicted.length > 0)
        context.log(`Evicted least recently used caches: ${result.evicted.join(", ")}`);
      return;
    case "exists":
      context.log(`Cache already exists for key ${key}; not saving (caches are immutable).`);
      return;
    case "too-large":
      context.warning(
        `Cache not saved: ${formatMB(result.sizeBytes)} is more than the store's limit of ${formatMB(result.maxBytes)} (SLIPWAY_CACHE_MAX_BYTES).`,
      );
      return;
    default: {
      const unreachable: never = result;
      return unreachable;
    }
  }
}

const commonInputs = {
  key: { description: "An explicit key for the cache entry", required: true },
  path: {
    description: "Files, directories and glob patterns to cache (one per line; ! excludes)",
    required: true,
  },
};

/** `actions/cache`: restore now, save after the job when it succeeded and the key was not an exact hit. */
export const cacheAction: BuiltinAction = {
  name: "actions/cache",
  inputs: {
    ...commonInputs,
    "restore-keys": {
      description: "Ordered key prefixes to fall back to; the newest match of the first that matches wins",
    },
    "fail-on-cache-miss": { description: "Fail the step when no cache is found", default: "false" },
    "lookup-only": { description: "Check whether a cache exists without restoring it", default: "false" },
    enableCrossOsArchive: {
      description: "Accepted for compatibility; ignored",
      default: "false",
    },
    "save-always": { description: "Deprecated on GitHub; accepted and ignored", default: "false" },
    "upload-chunk-size": { description: "Accepted for compatibility; ignored" },
  },
  run: restore,
  async post(context, job) {
    const key = context.state.get("primary-key");
    if (key === undefined) return; // run() failed before it knew the key
    if (job.status !== "success") {
      context.log(`Not saving cache: the job ${job.status === "failure" ? "failed" : "was cancelled"}.`);
      return;
    }
    if (context.state.get("matched-key") === key) {
      context.log(`Cache hit occurred on the primary key ${key}, not saving cache.`);
      return;
    }
    await save(context, key);
  },
};

/** `actions/cache/restore`: the restore half alone (no post-job save). */
export const cacheRestoreAction: BuiltinAction = {
  name: "actions/cache/restore",
  inputs: {
    ...commonInputs,
    "restore-keys": cacheAction.inputs["restore-keys"]!,
    "fail-on-cache-miss": cacheAction.inputs["fail-on-cache-miss"]!,
    "lookup-only": cacheAction.inputs["lookup-only"]!,
  },
  run: restore,
};

/** `actions/cache/save`: saves at once, wherever the step is. */
export const cacheSaveAction: BuiltinAction = {
  name: "actions/cache/save",
  inputs: { ...commonInputs },
  run: (context) => save(context, requiredInput(context, "key")),
};
