import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { CONFIG_DEFAULTS } from "../core/config/defaults.js";
import { DEFAULTS } from "../core/defaults.js";

// Finding the project, apart from loading its file: the CLI's API client needs only this, and
// not the YAML parser and schema that loading takes.

/** `slipway.yaml`, or `slipway.yml` as people also spell it, in `dir`. */
export function configFileIn(dir: string): string | undefined {
  return CONFIG_FILE_NAMES.map((name) => join(dir, name)).find((path) => existsSync(path));
}

const CONFIG_FILE_NAMES = [CONFIG_DEFAULTS.fileName, "slipway.yml"];

/**
 * The nearest directory at or above `start` holding a slipway.yaml (so commands work from a
 * service's subdirectory), or undefined when there is none up to the file system's root.
 */
export function findProjectDir(start: string): string | undefined {
  return locateProject(start).dir;
}

/** Where a project was found, and every folder looked in on the way (for "not found" messages). */
export interface ProjectSearch {
  dir: string | undefined;
  searched: string[];
}

/**
 * Finds the project as git finds `.git`: the nearest directory at or above `start` holding a
 * slipway.yaml, or the state a running server left (`.slipway/server.json`, `.slipway/admin-token`)
 * for a project whose file was moved. `searched` lists the folders looked in, nearest first.
 */
export function locateProject(start: string): ProjectSearch {
  const searched: string[] = [];
  let dir = resolve(start);
  for (;;) {
    searched.push(dir);
    if (
      configFileIn(dir) !== undefined ||
      PROJECT_STATE_FILES.some((f) => existsSync(join(dir, DEFAULTS.dataDir, f)))
    )
      return { dir, searched };
    const parent = dirname(dir);
    if (parent === dir) return { dir: undefined, searched };
    dir = parent;
  }
}

const PROJECT_STATE_FILES = ["server.json", "admin-token"];

/** "/a/b/c, /a/b, /a and /": the folders a search looked in, for messages. */
export function describeSearch(searched: readonly string[]): string {
  if (searched.length <= 4) return searched.join(", ");
  return `${searched.slice(0, 3).join(", ")} … ${searched.at(-1)} (${searched.length} folders)`;
}
