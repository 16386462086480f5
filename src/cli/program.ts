import { CommanderError } from "commander";
import { readCommandTable, registerStandIns, writeCommandTable, type BuiltFiles } from "./command-table.js";
import { COMMANDS } from "./commands/index.js";
import { printJsonError } from "./failure.js";
import { SlipwayCommand } from "./options.js";
import { SLIPWAY_VERSION } from "../version.js";

/**
 * The full CLI: commander and the module of the command that runs (main.ts starts the rest).
 * `built`: the files the build wrote beside dist/cli.js (command-table.ts).
 */
export async function runProgram(args: readonly string[], built: BuiltFiles): Promise<void> {
  const program = new SlipwayCommand()
    .name("slipway")
    .description(
      "Self-hosted delivery: GitHub Actions workflows on the host, blue-green and canary rollouts through Slipway's own router.",
    )
    .version(SLIPWAY_VERSION)
    // Program options only before the command: `slipway deploy web --version v3` is the deploy's version.
    .enablePositionalOptions()
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

  const table = isRootHelp(args) ? readCommandTable(built) : undefined;
  if (table && process.env.SLIPWAY_WRITE_COMMAND_TABLE !== "1") registerStandIns(program, table);
  else for (const command of commandsToLoad(args)) (await command.load())(program);
  if (process.env.SLIPWAY_WRITE_COMMAND_TABLE === "1") {
    // scripts/build.mjs: the table `slipway --help` lists from (command-table.ts).
    writeCommandTable(program, built);
    process.exit(0);
  }

  try {
    await program.parseAsync(["node", "slipway", ...args]);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Commander already printed the message (or the help text) on stderr.
    if (error.exitCode === 0) return;
    printJsonError("SLIPWAY_INVALID_ARGUMENT", error.message.replace(/^error: /, "").replace(/\n/g, " "));
    process.exitCode = 2;
  }
}

/**
 * Only the command that runs is loaded (`slipway run …`, `slipway help run`); `--version` needs
 * none; anything else (`--help`, no command, an unknown one) needs them all to list or suggest.
 */
function commandsToLoad(args: readonly string[]): typeof COMMANDS {
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) return [];
  const name = args[0] === "help" ? args[1] : args[0];
  const named = COMMANDS.filter((command) => command.name === name);
  return named.length > 0 ? named : COMMANDS;
}

/** `slipway`, `slipway --help`, `slipway help`: the list of commands, from the build's table. */
function isRootHelp(args: readonly string[]): boolean {
  return args.length === 0 || (args.length === 1 && ["--help", "-h", "help"].includes(args[0] ?? ""));
}
