import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
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

/** Creates a step's empty command files below the job's temp directory. */
export function stepFiles(temp: string, index: number | string): StepFiles {
  const dir = join(temp, "_runner_file_commands", String(index));
  mkdirSync(dir, { recursive: true });
  const files = {
    output: join(dir, "output"),
    env: join(dir, "env"),
    path: join(dir, "path"),
    summary: join(dir, "step_summary"),
    state: join(dir, "state"),
  };
  for (const path of Object.values(files)) writeFileSync(path, "");
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
  const read = (path: string): string => (existsSync(path) ? readFileSync(path, "utf8") : "");
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
