import { readFileSync, writeFileSync } from "node:fs";
import { Help, type Command } from "commander";

/** One line of `slipway --help`'s command list. */
export interface CommandLine {
  name: string;
  /** `deploy [options] <service> <version>` */
  term: string;
  description: string;
}

/**
 * Files `npm run build` writes beside dist/cli.js from the registered commands themselves: the
 * table (commands.json) and the root help as commander prints it at 80 columns (help.txt, which
 * main.ts prints without loading commander).
 */
export interface BuiltFiles {
  table: URL;
  help: URL;
}

/** The table of the last build, if there is one. */
export function readCommandTable(built: BuiltFiles): CommandLine[] | undefined {
  try {
    return JSON.parse(readFileSync(built.table, "utf8")) as CommandLine[];
  } catch {
    return undefined;
  }
}

/** Writes the command list and help of a program whose commands are all registered (at build time). */
export function writeCommandTable(program: Command, built: BuiltFiles): void {
  const help = program.createHelp();
  const lines: CommandLine[] = program.commands.map((command) => ({
    name: command.name(),
    term: help.subcommandTerm(command),
    description: help.subcommandDescription(command),
  }));
  writeFileSync(built.table, `${JSON.stringify(lines, null, 1)}\n`);
  program.configureOutput({ getOutHelpWidth: () => 80 });
  writeFileSync(built.help, program.helpInformation());
}

/**
 * `slipway --help` from the table: a stand-in per command, shown with the real command's term,
 * so listing the commands loads none of their modules.
 */
export function registerStandIns(program: Command, table: readonly CommandLine[]): void {
  for (const line of table) program.command(line.name).description(line.description);
  const terms = new Map(table.map((line) => [line.name, line.term]));
  const base = new Help();
  program.configureHelp({
    subcommandTerm: (command) => terms.get(command.name()) ?? base.subcommandTerm(command),
  });
}
