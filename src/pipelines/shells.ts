import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { DEFAULTS } from "../core/defaults.js";

export interface ShellCommand {
  command: string;
  args: string[];
  /** Script file extension the interpreter expects. */
  extension: string;
}

/**
 * Turns `shell:` into a command line, with GitHub's templates: bash and sh fail fast, python and
 * node run the script file; anything containing `{0}` is a custom template. Returns a message
 * naming what is missing when the interpreter is not on PATH.
 */
export function resolveShell(shell: string | undefined, path: string): ShellCommand | { missing: string } {
  const name = shell?.trim();
  let template: string;
  let extension = ".sh";
  switch (name) {
    case undefined:
    case "":
      template = findOnPath("bash", path) ? DEFAULTS.bashShell : "sh -e {0}";
      break;
    case "bash":
      template = DEFAULTS.bashShell;
      break;
    case "sh":
      template = "sh -e {0}";
      break;
    case "python":
      template = findOnPath("python", path) ? "python {0}" : "python3 {0}";
      extension = ".py";
      break;
    case "node":
      template = "node {0}";
      extension = ".js";
      break;
    case "pwsh":
      template = "pwsh -command \". '{0}'\"";
      extension = ".ps1";
      break;
    default:
      if (!name.includes("{0}")) template = `${name} {0}`;
      else template = name;
  }
  const [command, ...args] = template.split(/\s+/);
  if (!command) return { missing: `shell '${shell ?? ""}' is empty` };
  const found = findOnPath(command, path);
  if (!found) {
    return {
      missing: `shell '${name ?? "bash"}' needs '${command}', which is not installed on this host (not on PATH)`,
    };
  }
  // Started by its path, as GitHub's runner does (`/usr/bin/bash -e {0}`): no exec attempt per
  // PATH folder in the child, and bash knows where it is without searching PATH itself. (A
  // relative PATH folder is left to the child, which resolves it from the step's folder.)
  return { command: isAbsolute(found) ? found : command, args, extension };
}

/**
 * Where each command was found, per PATH: every step resolves its shell, and a PATH scan costs a
 * syscall per folder. Only hits are kept (a step may install what was missing); a hit that has
 * since gone is checked and scanned for again.
 */
const found = new Map<string, string>();

export function findOnPath(command: string, path: string): string | undefined {
  if (command.includes("/")) return isExecutable(command) ? command : undefined;
  const key = `${command}\0${path}`;
  const known = found.get(key);
  if (known !== undefined && isExecutable(known)) return known;
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (isExecutable(candidate)) {
      if (found.size > 1000) found.clear();
      found.set(key, candidate);
      return candidate;
    }
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
