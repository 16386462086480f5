import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream } from "node:stream/web";
import { promisify } from "node:util";
import semver from "semver";
import { ltsByMajor, type NodeRelease } from "./node-versions.js";

const execFileAsync = promisify(execFile);

/** Where a Node comes from: lists releases, and downloads one verified into a directory. */
export interface NodeSource {
  /** For messages: "nodejs.org mirror https://…" */
  describe: string;
  releases(signal: AbortSignal): Promise<NodeRelease[]>;
  /** Downloads `version`, checks its checksum, and unpacks it into `dir` (bin/node inside). */
  install(version: string, dir: string, signal: AbortSignal, log?: (line: string) => void): Promise<void>;
}

/** The source could not be reached or does not have the file: another source may be tried. */
export class SourceUnavailable extends Error {}

/**
 * The official layout (nodejs.org/dist or a mirror of it): `index.json` lists releases with their
 * LTS names; `v<ver>/node-v<ver>-linux-<arch>.tar.gz` is checked against `v<ver>/SHASUMS256.txt`.
 */
export function nodejsDistSource(mirror: string, arch: string): NodeSource {
  return {
    describe: `Node.js downloads ${mirror}`,
    async releases(signal) {
      const index = (await getJson(`${mirror}/index.json`, signal)) as {
        version: string;
        lts: string | false;
      }[];
      return index.map((entry) => ({
        version: entry.version.replace(/^v/, ""),
        lts: typeof entry.lts === "string" ? entry.lts.toLowerCase() : false,
      }));
    },
    async install(version, dir, signal) {
      const file = `node-v${version}-linux-${arch}.tar.gz`;
      const sums = await getText(`${mirror}/v${version}/SHASUMS256.txt`, signal);
      const expected = sums
        .split("\n")
        .map((line) => line.trim().split(/\s+/))
        .find(([, name]) => name === file)?.[0];
      if (!expected)
        throw new SourceUnavailable(`${mirror}/v${version}/SHASUMS256.txt does not list ${file}`);
      await downloadAndUnpack(`${mirror}/v${version}/${file}`, dir, signal, (hashes) =>
        hashes.sha256 === expected.toLowerCase()
          ? undefined
          : `sha256 ${hashes.sha256} does not match SHASUMS256.txt (${expected})`,
      );
    },
  };
}

interface Packument {
  versions: Record<
    string,
    {
      bin?: Record<string, string>;
      engines?: { node?: string };
      dist?: { tarball?: string; integrity?: string };
    }
  >;
}

/**
 * What the official Node tarball bundles and the npm registry's node-linux-<arch> package lacks
 * (it holds bin/node only): without them a step's `npm` would be the host's, which fails on other
 * Node majors. `upTo`: the last Node major that bundled it (corepack left Node in 25).
 */
const COMPANIONS: { name: string; bins: string[]; upTo?: number }[] = [
  { name: "npm", bins: ["npm", "npx"] },
  { name: "corepack", bins: ["corepack"], upTo: 24 },
];

/**
 * The npm registry's `node-linux-<arch>` package (reachable where nodejs.org is not): the tarball
 * is checked against the registry's `dist.integrity` (sha512). The registry does not say which
 * releases are LTS; the code-name table does.
 */
export function npmPackageSource(registry: string, arch: string): NodeSource {
  const name = `node-linux-${arch}`;
  let packument: Promise<Packument> | undefined;
  const load = (signal: AbortSignal): Promise<Packument> => {
    packument ??= getJson(`${registry}/${name}`, signal, {
      accept: "application/vnd.npm.install-v1+json",
    }) as Promise<Packument>;
    packument.catch(() => (packument = undefined));
    return packument;
  };
  return {
    describe: `npm package ${name} from ${registry}`,
    async releases(signal) {
      const doc = await load(signal);
      // Old versions wrap a tarball and unpack it in a preinstall script; only bin/node packages are usable.
      return Object.entries(doc.versions)
        .filter(([, meta]) => meta.bin?.node === "bin/node" && meta.dist?.tarball && meta.dist.integrity)
        .map(([version]) => ({ version, lts: ltsByMajor(version) }));
    },
    async install(version, dir, signal, log) {
      const meta = (await load(signal)).versions[version];
      const tarball = meta?.dist?.tarball;
      const integrity = meta?.dist?.integrity;
      if (!tarball || !integrity) throw new SourceUnavailable(`${name}@${version} is not in ${registry}`);
      const sha512 = /^sha512-(.+)$/.exec(integrity)?.[1];
      if (!sha512)
        throw new Error(`${name}@${version}: unsupported integrity ${integrity} (expected sha512)`);
      await downloadAndUnpack(tarball, dir, signal, (hashes) =>
        hashes.sha512 === sha512
          ? undefined
          : `sha512 ${hashes.sha512} does not match the registry's integrity ${sha512}`,
      );
      for (const companion of COMPANIONS) {
        if (companion.upTo !== undefined && semver.major(version) > companion.upTo) continue;
        await installCompanion(registry, companion, version, dir, signal, log);
      }
    },
  };
}

/**
 * The npm major each Node line ships in its official tarball (its latest releases: Node 14.21.3
 * bundles npm 6.14.18, 20.20 npm 10.8, 22 npm 10.9, 24 npm 11, 26 npm 11). A newer npm major behaves
 * differently (npm 7 installs peer dependencies, npm 11.21 blocks install scripts, npm 12's
 * `npm view --json` always prints an array), so a job would not see what it sees on GitHub's
 * runner. A line missing here gets the newest npm its engines accept: add each new Node major.
 */
const BUNDLED_NPM_MAJOR: Readonly<Record<number, number>> = {
  6: 3,
  7: 4,
  8: 6,
  9: 5,
  10: 6,
  11: 6,
  12: 6,
  13: 6,
  14: 6,
  15: 7,
  16: 8,
  17: 8,
  18: 10,
  19: 9,
  20: 10,
  21: 10,
  22: 10,
  23: 10,
  24: 11,
  25: 11,
  26: 11,
};

/**
 * Which release of `companion` goes with Node `nodeVersion`, from those whose `engines.node`
 * accept it (newest first): for npm, the newest of the major that Node line bundled, else of an
 * older major (Node 18.0 predates npm 10's engines), else the newest; for the others the newest.
 */
function companionRelease<T>(
  companion: string,
  nodeVersion: string,
  fits: readonly (readonly [string, T])[],
): { found: readonly [string, T] | undefined; why: string } {
  const bundled = companion === "npm" ? BUNDLED_NPM_MAJOR[semver.major(nodeVersion)] : undefined;
  if (bundled !== undefined) {
    const same = fits.find(([version]) => semver.major(version) === bundled);
    if (same) return { found: same, why: `npm ${bundled} is what Node ${semver.major(nodeVersion)} bundles` };
    const older = fits.find(([version]) => semver.major(version) < bundled);
    if (older)
      return {
        found: older,
        why: `no npm ${bundled} (what Node ${semver.major(nodeVersion)} bundles) supports it`,
      };
  }
  return { found: fits[0], why: "the newest whose engines accept it" };
}

/**
 * Puts the release of `companion` that goes with Node `nodeVersion` (`companionRelease`) into
 * `<dir>/lib/node_modules/<name>`, with bin links, as the official tarball lays it out. The exact
 * version Node bundled is not on the registry; the same major is.
 * Best effort: a registry without the package leaves the Node usable (logged).
 */
async function installCompanion(
  registry: string,
  companion: (typeof COMPANIONS)[number],
  nodeVersion: string,
  dir: string,
  signal: AbortSignal,
  log: ((line: string) => void) | undefined,
): Promise<void> {
  let doc: Packument;
  try {
    doc = (await getJson(`${registry}/${companion.name}`, signal, {
      accept: "application/vnd.npm.install-v1+json",
    })) as Packument;
  } catch (error) {
    if (!(error instanceof SourceUnavailable)) throw error;
    log?.(`${companion.name} not added to Node ${nodeVersion}: ${error.message}`);
    return;
  }
  const fits = Object.entries(doc.versions)
    .filter(([version, meta]) => {
      if (semver.prerelease(version) || !meta.dist?.tarball || !meta.dist.integrity) return false;
      const engines = meta.engines?.node;
      return engines === undefined || semver.satisfies(nodeVersion, engines, { includePrerelease: true });
    })
    .sort(([a], [b]) => semver.rcompare(a, b));
  const { found, why } = companionRelease(companion.name, nodeVersion, fits);
  const [version, meta] = found ?? [];
  const sha512 = meta?.dist?.integrity ? /^sha512-(.+)$/.exec(meta.dist.integrity)?.[1] : undefined;
  if (!version || !meta?.dist?.tarball || !sha512) {
    log?.(`${companion.name} not added to Node ${nodeVersion}: no release in ${registry} supports it`);
    return;
  }
  const target = join(dir, "lib", "node_modules", companion.name);
  mkdirSync(target, { recursive: true });
  await downloadAndUnpack(
    meta.dist.tarball,
    target,
    signal,
    (hashes) =>
      hashes.sha512 === sha512
        ? undefined
        : `sha512 ${hashes.sha512} does not match the registry's integrity ${sha512}`,
    "package.json",
  );
  for (const bin of companion.bins) {
    const file = meta.bin?.[bin];
    if (!file) continue;
    // Registry tarballs store files 0644; npm marks bins executable when it installs them.
    chmodSync(join(target, file), 0o755);
    symlinkSync(join("..", "lib", "node_modules", companion.name, file), join(dir, "bin", bin));
  }
  log?.(`${companion.name} ${version} added to Node ${nodeVersion} (${why})`);
}

/** Downloads a .tar.gz while hashing it, refuses it when `verify` says so, and unpacks it into `dir`. */
async function downloadAndUnpack(
  url: string,
  dir: string,
  signal: AbortSignal,
  verify: (hashes: { sha256: string; sha512: string }) => string | undefined,
  expected = join("bin", "node"),
): Promise<void> {
  const response = await request(url, signal);
  const temp = mkdtempSync(join(dir, "..", ".download-"));
  try {
    const archive = join(temp, "node.tar.gz");
    const sha256 = createHash("sha256");
    const sha512 = createHash("sha512");
    const hash = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        sha256.update(chunk);
        sha512.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(response.body as ReadableStream), hash, createWriteStream(archive), {
      signal,
    });
    const problem = verify({ sha256: sha256.digest("hex"), sha512: sha512.digest("base64") });
    if (problem) throw new Error(`checksum mismatch for ${url}: ${problem}; not installed`);
    await execFileAsync("tar", ["-xzf", archive, "--strip-components=1", "-C", dir], { signal });
    if (!existsSync(join(dir, expected))) throw new Error(`${url} has no ${expected}`);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

async function request(
  url: string,
  signal: AbortSignal,
  headers: Record<string, string> = {},
): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { signal, headers });
  } catch (error) {
    if (signal.aborted) throw error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new SourceUnavailable(
      `cannot reach ${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
    );
  }
  if (!response.ok || !response.body) {
    throw new SourceUnavailable(`${url}: HTTP ${response.status}`);
  }
  return response;
}

async function getText(
  url: string,
  signal: AbortSignal,
  headers: Record<string, string> = {},
): Promise<string> {
  return (await request(url, signal, headers)).text();
}

async function getJson(
  url: string,
  signal: AbortSignal,
  headers: Record<string, string> = {},
): Promise<unknown> {
  const text = await getText(url, signal, headers);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SourceUnavailable(`${url} did not answer JSON`);
  }
}
