import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseKeyValueFile } from "../core/workflow/file-commands.js";
import type { LogLevel } from "../core/workflow/model.js";

/** The files a step writes to ($GITHUB_OUTPUT, $GITHUB_ENV, $GITHUB_PATH, summary, state). */
export interface StepFiles {
  output: string;
  env: string;
  path: string;
  summary: string;
  state: string;
}

/**
 * Creates a step's empty command files in the job's `<temp>/_runner_file_commands`, named as
 * GitHub's runner names them (`set_output_<step>`…): one folder for all steps, not one per step.
 */
export function stepFiles(temp: string, index: number | string): StepFiles {
  const dir = join(temp, "_runner_file_commands");
  const files = {
    output: join(dir, `set_output_${index}`),
    env: join(dir, `set_env_${index}`),
    path: join(dir, `add_path_${index}`),
    summary: join(dir, `step_summary_${index}`),
    state: join(dir, `save_state_${index}`),
  };
  // They must exist (@actions/core checks before it appends); the folder is made by the first step.
  for (const path of Object.values(files)) {
    try {
      closeSync(openSync(path, "w"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      mkdirSync(dir, { recursive: true });
      closeSync(openSync(path, "w"));
    }
  }
  return files;
}

/** Applies $GITHUB_ENV, $GITHUB_PATH, $GITHUB_OUTPUT, $GITHUB_STATE and the step summary after a step. */
export function applyFileCommands(
  files: StepFiles,
  into: {
    env: Record<string, string>;
    path: string[];
    outputs: Record<string, string>;
    state: Map<string, string>;
    log(text: string, level?: LogLevel): void;
    summaryTarget: string;
  },
): boolean {
  let ok = true;
  const read = (path: string): string => {
    try {
      return readFileSync(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
      throw error;
    }
  };
  for (const [file, apply] of [
    [files.env, (k: string, v: string) => (into.env[k] = v)],
    [files.output, (k: string, v: string) => (into.outputs[k] = v)],
    [files.state, (k: string, v: string) => into.state.set(k, v)],
  ] as const) {
    const parsed = parseKeyValueFile(read(file));
    for (const [key, value] of parsed.values) apply(key, value);
    for (const problem of parsed.problems) {
      into.log(`Error: ${problem}`, "error");
      ok = false;
    }
  }
  for (const line of read(files.path).split(/\r?\n/)) if (line.trim() !== "") into.path.push(line.trim());
  const summary = read(files.summary);
  if (summary.trim() !== "") appendFileSync(into.summaryTarget, summary);
  return ok;
}
