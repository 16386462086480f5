import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { DEFAULTS } from "../core/defaults.js";
import { SlipwayError } from "../core/errors.js";
import { describeSearch, locateProject } from "../config/load.js";

const CONFIG_FILES = ["slipway.yaml", "slipway.yml"];

/**
 * The project directory a command works on: `--dir` when given (it must exist and hold slipway.yaml,
 * or the state of an earlier `slipway up`), else the nearest folder at or above the current one
 * holding slipway.yaml, as git finds `.git`. Refuses with what to do instead of starting on nothing.
 */
export function projectDirFor(dirFlag: string | undefined): string {
  if (dirFlag === undefined) {
    const search = locateProject(process.cwd());
    if (search.dir) return search.dir;
    throw new SlipwayError(
      "SLIPWAY_NOT_FOUND",
      `no slipway.yaml in ${describeSearch(search.searched)}: run \`slipway init\` in your repository to write one, or pass --dir`,
    );
  }
  const dir = resolve(dirFlag);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new SlipwayError(
      "SLIPWAY_NOT_FOUND",
      `--dir ${dirFlag}: ${dir} does not exist (create your project there and run \`slipway init\` in it)`,
    );
  }
  // A project started before keeps its state even while its file is missing (the server then runs
  // with the default runtime and says why): only a folder that never was a project is refused.
  const hasConfig = CONFIG_FILES.some((name) => existsSync(join(dir, name)));
  const startedBefore = existsSync(join(dir, DEFAULTS.dataDir, "proxy", "proxy.json"));
  if (!hasConfig && !startedBefore) {
    throw new SlipwayError(
      "SLIPWAY_NOT_FOUND",
      `no slipway.yaml in ${dir}: run \`slipway init --dir ${dirFlag}\` to write one for the services it finds there`,
    );
  }
  return dir;
}
