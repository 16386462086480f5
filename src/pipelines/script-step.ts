import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Conclusion } from "../core/workflow/status.js";
import type { LogLevel } from "../core/workflow/model.js";
import { runProcess } from "./process.js";
import type { RunScope } from "./run-scope.js";
import { resolveShell } from "./shells.js";
import { WorkflowCommands } from "./workflow-commands.js";

/** A `run:` script (or a JavaScript action's node file) and where its process reports to. */
export interface ScriptStep {
  script: string;
  shell: string | undefined;
  /** Run `node FILE` instead of writing `script` to a file (JavaScript actions). */
  nodeFile?: string;
  /** The node binary for `nodeFile` (a JavaScript action's Node from the tool cache); default: node on PATH. */
  nodeBinary?: string;
  cwd: string;
  env: Record<string, string>;
  /** Where a `run:` script's file is written. */
  scriptDir: string;
  index: number | string;
  timeoutMs: number | undefined;
  signal: AbortSignal;
  log: (text: string, level?: LogLevel) => void;
  setOutput: (name: string, value: string) => void;
  state: Map<string, string>;
  groups: Set<number>;
  addEnv: (name: string, value: string) => void;
  addPath: (entry: string) => void;
}

/** Runs a script step in its shell as a process group, handling its workflow commands. */
export async function runScriptStep(scope: RunScope, step: ScriptStep): Promise<Conclusion> {
  const interpreter =
    step.nodeFile === undefined ? step.shell : step.nodeBinary ? `${step.nodeBinary} {0}` : "node";
  const shell = resolveShell(interpreter, step.env.PATH ?? "");
  if ("missing" in shell) {
    step.log(`Error: ${shell.missing} (SLIPWAY_MISSING_INTERPRETER)`, "error");
    return "failure";
  }
  if (!existsSync(step.cwd)) {
    step.log(`Error: working-directory ${step.cwd} does not exist`, "error");
    return "failure";
  }
  const scriptPath = step.nodeFile ?? join(step.scriptDir, `step-${step.index}${shell.extension}`);
  if (step.nodeFile === undefined) writeFileSync(scriptPath, step.script);
  const args = shell.args.map((arg) => arg.replace("{0}", scriptPath));
  const commands = new WorkflowCommands(scope, step);
  const end = await runProcess(shell.command, args, {
    cwd: step.cwd,
    env: step.env,
    timeoutMs: step.timeoutMs,
    signal: step.signal,
    onLine: (line) => commands.handle(line),
    onGroup: (pgid) => step.groups.add(pgid),
  });
  switch (end.kind) {
    case "exited":
      if (end.code !== 0) step.log(`Error: Process completed with exit code ${end.code}.`, "error");
      return end.code === 0 && !commands.failed ? "success" : "failure";
    case "timed-out":
      step.log(`Error: the step exceeded its timeout-minutes and its processes were killed`, "error");
      return "failure";
    case "cancelled":
      step.log("Error: the operation was cancelled", "error");
      return "cancelled";
    case "spawn-failed":
      step.log(`Error: cannot start ${shell.command}: ${end.message}`, "error");
      return "failure";
    case "lost":
      step.log(`Error: ${end.message}; its processes were killed`, "error");
      return "failure";
    default: {
      const unreachable: never = end;
      return unreachable;
    }
  }
}
