import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { computeAffected, type AffectedResult } from "./affected.js";
import { discoverServices, type ServiceSource } from "./discover.js";
import {
  changedFiles,
  compareAtOnce,
  resolveDefaultBase,
  resolveExplicitBase,
  revParse,
  topLevel,
  type BaseResolution,
} from "./git.js";

export interface AffectedReport extends AffectedResult {
  root: string;
  source: ServiceSource;
  base: BaseResolution;
  head: { rev: string; sha: string; includesWorkingTree: boolean };
  changedFiles: string[];
}

export class AffectedInputError extends Error {}

/**
 * `slipway affected`: which services changed between `base` and `head` in the repository at `cwd`.
 * Without `head`, the working tree counts too (uncommitted and untracked files), like
 * `nx affected` and `turbo --affected`.
 */
export async function detectAffected(options: {
  cwd: string;
  base?: string;
  head?: string;
}): Promise<AffectedReport> {
  const headRev = options.head ?? "HEAD";
  const includesWorkingTree = options.head === undefined;
  const comparing =
    options.base === undefined
      ? undefined
      : compareAtOnce(options.cwd, options.base, headRev, { includeWorkingTree: includesWorkingTree });
  // The services are read while git answers, from where the top level most likely is (a checkout
  // runs its steps there); read again if git names another folder.
  const likelyRoot = comparing && existsSync(join(options.cwd, ".git")) ? resolve(options.cwd) : undefined;
  const early = likelyRoot === undefined ? undefined : attempt(() => servicesOf(likelyRoot));
  const compared = await comparing;
  if (compared) {
    const { root, headSha, base, files } = compared;
    const { source, services } = root === likelyRoot && early ? early() : servicesOf(root);
    const head = { rev: headRev, sha: headSha, includesWorkingTree };
    return { root, source, base, head, changedFiles: files, ...computeAffected(services, files) };
  }
  // Step by step: no base given, or one of the questions above failed and this finds out why.
  const [root, headSha] = await Promise.all([topLevel(options.cwd), revParse(options.cwd, headRev)]);
  if (!root) throw new AffectedInputError(`${options.cwd} is not inside a git repository`);
  // git looks for the base while the services are read from disk.
  const resolvingBase = headSha
    ? options.base
      ? resolveExplicitBase(root, options.base, headSha)
      : resolveDefaultBase(root, headSha)
    : undefined;
  resolvingBase?.catch(() => undefined);
  const { source, services } = servicesOf(root);
  if (!headSha || !resolvingBase) {
    if (options.head)
      throw new AffectedInputError(`unknown revision ${JSON.stringify(options.head)} for --head`);
    // A repository without commits: everything is new.
    const base: BaseResolution = { kind: "everything", why: "the repository has no commits yet" };
    return {
      root,
      source,
      base,
      head: { rev: headRev, sha: "", includesWorkingTree: true },
      changedFiles: [],
      ...computeAffected(services, { everything: base.why }),
    };
  }
  let base: BaseResolution;
  try {
    base = await resolvingBase;
  } catch (error) {
    throw new AffectedInputError(`--base: ${(error as Error).message}`);
  }
  const head = { rev: headRev, sha: headSha, includesWorkingTree };
  if (base.kind === "everything") {
    return {
      root,
      source,
      base,
      head,
      changedFiles: [],
      ...computeAffected(services, { everything: base.why }),
    };
  }
  const files = await changedFiles(root, base.sha, headSha, { includeWorkingTree: includesWorkingTree });
  return { root, source, base, head, changedFiles: files, ...computeAffected(services, files) };
}

/** Runs `read` now; the returned function gives its value or throws its error, when asked. */
function attempt<T>(read: () => T): () => T {
  try {
    const value = read();
    return () => value;
  } catch (error) {
    return () => {
      throw error;
    };
  }
}

function servicesOf(root: string): ReturnType<typeof discoverServices> {
  try {
    return discoverServices(root);
  } catch (error) {
    // An unreadable slipway.yaml or package.json is the user's to fix: say which file and why.
    throw new AffectedInputError((error as Error).message, { cause: error });
  }
}
