import { CommanderError } from "commander";
import { exitCodeFor, isSlipwayError, type ErrorCode } from "../core/errors.js";
import { isStorageFaultCode, storageFault } from "../store/storage-faults.js";
import { dropOutputWhenClosed } from "./closed-output.js";
import { readCommandTable, registerStandIns, writeCommandTable } from "./command-table.js";
import { COMMANDS } from "./commands/index.js";
import { SlipwayCommand } from "./options.js";
import { printJson } from "./output.js";

dropOutputWhenClosed();

const program = new SlipwayCommand()
  .name("slipway")
  .description(
    "Self-hosted delivery: GitHub Actions workflows on the host, blue-green and canary rollouts through Slipway's own router.",
  )
  .version(process.env.SLIPWAY_VERSION ?? "0.1.0")
  // Program options only before the command: `slipway deploy web --version v3` is the deploy's version.
  .enablePositionalOptions()
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

const args = process.argv.slice(2);
const table = isRootHelp(args) ? readCommandTable() : undefined;
if (table && process.env.SLIPWAY_WRITE_COMMAND_TABLE !== "1") registerStandIns(program, table);
else for (const command of commandsToLoad(args)) (await command.load())(program);
if (process.env.SLIPWAY_WRITE_COMMAND_TABLE === "1") {
  // scripts/build.mjs: the table `slipway --help` lists from (command-table.ts).
  writeCommandTable(program);
  process.exit(0);
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = handleError(error);
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

/** `--json` among the arguments (before a `--`): a failure is one JSON document on stdout too. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).includes("--json");
}

function printJsonError(code: ErrorCode, message: string, problems?: readonly string[]): void {
  if (!wantsJson(process.argv.slice(2))) return;
  printJson({ error: { code, message, ...(problems?.length ? { problems } : {}) } });
}

function handleError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander already printed the message (or the help text) on stderr.
    if (error.exitCode === 0) return 0;
    printJsonError("SLIPWAY_INVALID_ARGUMENT", error.message.replace(/^error: /, "").replace(/\n/g, " "));
    return 2;
  }
  const known = isSlipwayError(error) ? error : storageFault(error);
  if (known) {
    process.stderr.write(`slipway: ${known.message}\n`);
    for (const problem of known.details.problems ?? []) process.stderr.write(`  ${problem}\n`);
    // A disk or database fault: its recovery steps are under its code in docs/errors.md.
    if (isStorageFaultCode(known.code)) process.stderr.write(`  ${known.code} (see docs/errors.md)\n`);
    printJsonError(known.code, known.message, known.details.problems);
    return exitCodeFor(known);
  }
  process.stderr.write(
    `slipway: internal error: ${(error as Error)?.stack ?? String(error)}\nThis is a bug in Slipway; please report it with the command you ran.\n`,
  );
  printJsonError("SLIPWAY_INTERNAL", `internal error: ${(error as Error)?.message ?? String(error)}`);
  return 70;
}
