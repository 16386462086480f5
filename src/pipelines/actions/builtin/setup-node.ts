import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import semver from "semver";
import type { ActionContext, BuiltinAction } from "../contract.js";
import { stringInput } from "./inputs.js";
import { own } from "../../../core/own.js";

/** LTS code names, so `lts/iron` means Node 20 as on GitHub. */
const LTS_CODENAMES: Record<string, number> = {
  argon: 4,
  boron: 6,
  carbon: 8,
  dubnium: 10,
  erbium: 12,
  fermium: 14,
  gallium: 16,
  hydrogen: 18,
  iron: 20,
  jod: 22,
  krypton: 24,
};

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
 * `actions/setup-node` on the host: it does not download Node; it checks that the `node` a step
 * would run satisfies the workflow's version, so a pipeline never silently runs on the wrong one.
 */
export const setupNodeAction: BuiltinAction = {
  name: "actions/setup-node",
  inputs: {
    "node-version": {
      description: "Semver range or alias (lts/*, lts/iron, latest) the host's Node must satisfy",
    },
    "node-version-file": {
      description: "File holding the version: .nvmrc, .node-version, .tool-versions, package.json",
    },
    cache: { description: "npm, yarn or pnpm: accepted; the host's package-manager cache already persists" },
    "cache-dependency-path": { description: "Accepted with cache; ignored" },
    "check-latest": { description: "Accepted; ignored (no download)" },
    "registry-url": { description: "Accepted; ignored" },
    architecture: { description: "Must match the host's architecture when given" },
    "always-auth": { description: "Accepted; ignored" },
    token: { description: "Accepted; ignored" },
  },
  // Synchronous work, but a thrown error must reach the engine as a rejected promise.
  run: (context) => Promise.resolve().then(() => runSetupNode(context)),
};

function runSetupNode(context: ActionContext): void {
  const probe = spawnSync("node", ["--version"], { env: context.env, encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      "no node on this host's PATH: install Node.js (setup-node does not download it on the host)",
    );
  }
  const installed = probe.stdout.trim();
  const architecture = stringInput(context, "architecture");
  if (architecture !== "" && architecture !== process.arch) {
    throw new Error(`architecture ${architecture} was asked for, but this host is ${process.arch}`);
  }
  let wanted = stringInput(context, "node-version");
  const file = stringInput(context, "node-version-file");
  if (wanted === "" && file !== "") wanted = versionFromFile(resolve(context.workspace, file));
  if (wanted !== "") {
    const verdict = checkNodeVersion(wanted, installed);
    if (!verdict.ok) {
      throw new Error(`${verdict.why}. Install a matching Node on this host or change node-version.`);
    }
    context.log(`Node ${installed} satisfies ${wanted}${verdict.note ? ` (${verdict.note})` : ""}`);
  } else {
    context.log(`Using the host's Node ${installed} (no node-version given)`);
  }
  const cache = stringInput(context, "cache");
  if (cache !== "")
    context.log(
      `cache: ${cache} — the host's ${cache} cache already persists between runs; nothing to restore`,
    );
  context.setOutput("node-version", installed);
  context.setOutput("cache-hit", "false");
}
