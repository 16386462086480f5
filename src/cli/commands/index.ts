import type { Command } from "commander";
import { registerAffected } from "./affected.js";
import { registerProxy } from "./proxy.js";

/** Each command module registers itself on the program; the order here is the order in --help. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [registerAffected, registerProxy];
