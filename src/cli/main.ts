import { readFileSync } from "node:fs";
import module from "node:module";
import { dropOutputWhenClosed } from "./closed-output.js";
import { SLIPWAY_VERSION } from "../version.js";

/**
 * The CLI's entry (dist/cli.js): a dispatcher that starts the commands whose whole command line
 * it knows without commander, and hands every other command line to the full program
 * (program.ts, commander and the command's module). Starting commander costs a short command
 * about a quarter of Node's own start, so `slipway status`, `--version` and `--help` skip it.
 */
dropOutputWhenClosed();
// Node 22.1+ keeps the compiled code of the modules a command loads on disk (os.tmpdir()), so the
// next command skips compiling them again (npm does the same); Node 20 has no such cache.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const args = process.argv.slice(2);
/**
 * Written by `npm run build` beside dist/cli.js (command-table.ts): the command list
 * `slipway --help` shows and that help itself as commander prints it at 80 columns.
 */
const built = {
  table: new URL("./commands.json", import.meta.url),
  help: new URL("./help.txt", import.meta.url),
};
try {
  let help: string | undefined;
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
    process.stdout.write(`${SLIPWAY_VERSION}\n`);
  } else if ((help = rootHelp(args)) !== undefined) {
    process.stdout.write(help);
  } else if (args[0] === "status" && (args.length === 1 || (args.length === 2 && args[1] === "--json"))) {
    // `status [--json]`: no argument or option to parse; anything else (--help, a typo) is commander's.
    await (await import("./commands/status.js")).showStatus({ json: args[1] === "--json" });
  } else {
    await (await import("./program.js")).runProgram(args, built);
  }
} catch (error) {
  process.exitCode = (await import("./failure.js")).handleError(error);
}

/**
 * `slipway --help` (`-h`, `help`) as the build rendered it, when it would be rendered at the same
 * width (80 columns, as commander does for anything but a terminal of another width); otherwise
 * undefined, and commander renders it.
 */
function rootHelp(args: readonly string[]): string | undefined {
  if (args.length !== 1 || !["--help", "-h", "help"].includes(args[0] ?? "")) return undefined;
  if (process.env.SLIPWAY_WRITE_COMMAND_TABLE === "1") return undefined;
  if (process.stdout.isTTY && (process.stdout.columns ?? 80) !== 80) return undefined;
  try {
    return readFileSync(built.help, "utf8");
  } catch {
    return undefined; // an older build without it
  }
}
