import type { Command } from "commander";
import { registerAffected } from "./affected.js";
import { registerProxy } from "./proxy.js";
import { registerLogs } from "./logs.js";
import { registerRun } from "./run.js";
import { registerRuns } from "./runs.js";

/** Each command module registers itself on the program; the order here is the order in --help. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [
  registerRun,
  registerRuns,
  registerLogs,
  registerAffected,
  registerProxy,
];
