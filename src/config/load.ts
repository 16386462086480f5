import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { CONFIG_DEFAULTS } from "../core/config/defaults.js";
import { normalizeConfig } from "../core/config/normalize.js";
import { projectConfigSchema } from "../core/config/schema.js";
import type { ProjectConfig } from "../core/config/types.js";
import { SlipwayError } from "../core/errors.js";
import { problemsFor, type Problem } from "./locate.js";
import { configFileIn } from "./project-search.js";

export { describeSearch, findProjectDir, locateProject, type ProjectSearch } from "./project-search.js";

/** A loaded project: its configuration plus where it came from. */
export interface LoadedProjectConfig extends ProjectConfig {
  /** Absolute project directory (where slipway.yaml is). */
  dir: string;
  /** Absolute path of the file that was read. */
  file: string;
}

/**
 * Reads `<dir>/slipway.yaml`, validates it and applies every default.
 * Throws SlipwayError SLIPWAY_INVALID_CONFIG naming `slipway.yaml:LINE:COL: <path>: <expected>`
 * (details.location is the first problem; details.problems lists them all when there are several),
 * or SLIPWAY_NOT_FOUND when the directory has no slipway.yaml.
 * @example const config = loadProjectConfig("."); config.services.web.replicas // → 1
 */
export function loadProjectConfig(dir: string): LoadedProjectConfig {
  const root = resolve(dir);
  const file = configFileIn(root);
  if (file === undefined) {
    throw new SlipwayError("SLIPWAY_NOT_FOUND", `no ${CONFIG_DEFAULTS.fileName} in ${root}`);
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new SlipwayError("SLIPWAY_INVALID_CONFIG", `cannot read ${file}: ${(error as Error).message}`);
  }
  return { ...parseProjectConfig(text, basename(file)), dir: root, file };
}

/**
 * Validates slipway.yaml text. `displayName` prefixes locations in messages ("slipway.yaml").
 * Pure apart from parsing: handy for the API (validate an uploaded file) and tests.
 */
export function parseProjectConfig(
  text: string,
  displayName: string = CONFIG_DEFAULTS.fileName,
): ProjectConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error): Problem => {
      const { line, col } = lines.linePos(error.pos[0]);
      return { line, col, path: "", message: `invalid YAML: ${firstLine(error.message)}` };
    });
    throw invalid(displayName, problems);
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  if (data === null || data === undefined) {
    throw invalid(displayName, [
      { line: 1, col: 1, path: "", message: "the file is empty: expected project and services" },
    ]);
  }
  const result = projectConfigSchema.safeParse(data);
  if (!result.success) throw invalid(displayName, problemsFor(result.error.issues, doc, data, lines));
  return normalizeConfig(result.data);
}

function invalid(file: string, problems: Problem[]): SlipwayError {
  const lines = problems.map((p) => `${file}:${p.line}:${p.col}: ${p.path ? `${p.path}: ` : ""}${p.message}`);
  const first = problems[0] ?? { line: 1, col: 1 };
  const message = lines.length === 1 ? lines[0]! : `${file} has ${lines.length} problems`;
  return new SlipwayError("SLIPWAY_INVALID_CONFIG", message, {
    location: { file, line: first.line, col: first.col },
    ...(lines.length > 1 && { problems: lines }),
  });
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
