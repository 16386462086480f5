import { readFileSync, writeFileSync } from "node:fs";
import { Help, type Command } from "commander";

/** One line of `slipway --help`'s command list. */
export interface CommandLine {
  name: string;
  /** `deploy [options] <service> <version>` */
  term: string;
  description: string;
}

/** Written by `npm run build` beside dist/cli.js, from the registered commands themselves. */
const TABLE = new URL("./commands.json", import.meta.url);

/** The table of the last build, if there is one. */
export function readCommandTable(): CommandLine[] | undefined {
  try {
    return JSON.parse(readFileSync(TABLE, "utf8")) as CommandLine[];
  } catch {
    return undefined;
  }
}

/** Writes the command list of a program whose commands are all registered (at build time). */
export function writeCommandTable(program: Command): void {
  const help = program.createHelp();
  const lines: CommandLine[] = program.commands.map((command) => ({
    name: command.name(),
    term: help.subcommandTerm(command),
    description: help.subcommandDescription(command),
  }));
  writeFileSync(TABLE, `${JSON.stringify(lines, null, 1)}\n`);
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
