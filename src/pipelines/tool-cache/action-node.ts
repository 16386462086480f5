import { spawnSync } from "node:child_process";
import { join } from "node:path";
import semver from "semver";
import type { PipelineSettings } from "../settings.js";
import { provideNode } from "./node-provider.js";
import { findCached } from "./tool-cache.js";

/**
 * The Node major a `runs.using` runs with. GitHub's runners ship Node 20 and 24 and run the
 * retired node12/node16 actions on Node 20, so Slipway does the same rather than download a Node
 * that no longer gets security fixes.
 */
export function actionNodeMajor(using: string): number | undefined {
  const major = Number(/^node(\d+)$/.exec(using)?.[1]);
  if (!Number.isInteger(major)) return undefined;
  return major < 20 ? 20 : major;
}

/**
 * The Node binary for a JavaScript action: the tool cache's newest of that major, else the Node
 * running Slipway when it is that major (GitHub's runner runs actions on its own Node, whatever
 * setup-node put on PATH), else the `node` on the step's PATH when it is, else one downloaded into
 * the tool cache (as setup-node would). When nothing can be had the action runs with the `node` on
 * PATH and `note` says so.
 */
export async function actionNode(
  using: string,
  options: {
    settings: PipelineSettings;
    /** The step's environment: its PATH decides which `node` is "the host's". */
    env: Record<string, string>;
    signal: AbortSignal;
    log(line: string): void;
    uses: string;
  },
): Promise<{ binary?: string; note?: string }> {
  const major = actionNodeMajor(using);
  if (major === undefined)
    return { note: `${options.uses}: unknown runs.using ${using}; using the node on PATH` };
  const { toolCache } = options.settings;
  const cached = findCached(toolCache, "node", process.arch, `${major}.x`);
  if (cached) return { binary: join(cached.dir, "bin", "node") };
  // A job that set up another Node (setup-node 18, then a node20 action) would otherwise download
  // a Node 20 the host already runs, or without a download source run the action on Node 18.
  if (semver.major(process.version) === major) return { binary: process.execPath };
  const probe = spawnSync("node", ["--version"], { env: options.env, encoding: "utf8" });
  const hostVersion = probe.error || probe.status !== 0 ? undefined : probe.stdout.trim();
  if (hostVersion && semver.coerce(hostVersion)?.major === major) return {};
  try {
    const provided = await provideNode({
      wanted: String(major),
      settings: options.settings,
      hostVersion,
      checkLatest: false,
      signal: options.signal,
      log: (line) => options.log(line),
      warning: (message) => options.log(`Warning: ${message}`),
    });
    if (provided.binDir) return { binary: join(provided.binDir, "node") };
    return {};
  } catch (error) {
    return {
      note: `${options.uses} runs on ${using}, but no Node ${major} is in the tool cache ${toolCache} and none could be downloaded (${(error as Error).message}); it runs with the node on PATH (${hostVersion ?? "none"})`,
    };
  }
}
